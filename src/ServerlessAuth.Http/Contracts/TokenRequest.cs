using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>JSON body of the refresh grant (the form body uses the same names, RFC 6749 6).</summary>
public sealed record TokenRequest(
    [property: JsonPropertyName("grant_type")] string? GrantType,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken);
