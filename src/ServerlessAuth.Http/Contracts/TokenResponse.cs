using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>RFC 6749 5.1 shape.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);
