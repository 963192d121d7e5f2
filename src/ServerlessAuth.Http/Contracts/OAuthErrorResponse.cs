using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>RFC 6749 5.2 error body of the token endpoint's grants.</summary>
public sealed record OAuthErrorResponse(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string Description);
