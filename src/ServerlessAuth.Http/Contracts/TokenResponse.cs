using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>RFC 6749 5.1 shape; <c>refresh_token</c> only for non-cookie clients.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn,
    [property: JsonPropertyName("refresh_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken = null);
