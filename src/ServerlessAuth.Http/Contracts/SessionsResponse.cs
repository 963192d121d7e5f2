using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary><c>GET /api/auth/sessions</c>: the caller's live sessions, newest first.</summary>
public sealed record SessionsResponse([property: JsonPropertyName("sessions")] IReadOnlyList<SessionInfo> Sessions);

/// <param name="Kind"><c>cookie</c> or <c>refresh_token</c>.</param>
/// <param name="Current">Whether the caller's access token belongs to this session.</param>
public sealed record SessionInfo(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("createdAt")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("lastSeenAt")] DateTimeOffset LastSeenAt,
    [property: JsonPropertyName("userAgent")] string? UserAgent,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("current")] bool Current);
