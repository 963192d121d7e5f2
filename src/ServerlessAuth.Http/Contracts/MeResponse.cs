using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

public sealed record MeResponse(
    [property: JsonPropertyName("sub")] string Subject,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("sid")] string SessionId,
    [property: JsonPropertyName("jti")] string TokenId,
    [property: JsonPropertyName("exp")] long ExpiresAt);
