using System.Text.Json.Serialization;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.Http.Contracts;

/// <summary>The revocation feed over HTTP: events in publishing order; times are unix milliseconds.</summary>
public sealed record RevocationsResponse([property: JsonPropertyName("events")] IReadOnlyList<RevocationEventResponse> Events)
{
    public static RevocationsResponse From(IEnumerable<RevocationEvent> events) =>
        new([.. events.OrderBy(e => e.PublishedAt).ThenBy(e => e.Id, StringComparer.Ordinal).Select(RevocationEventResponse.From)]);
}

/// <summary>One feed event; only the members its kind has are written.</summary>
public sealed record RevocationEventResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("published_at")] long PublishedAt,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Subject = null,
    [property: JsonPropertyName("sid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SessionId = null,
    [property: JsonPropertyName("jti"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenId = null,
    [property: JsonPropertyName("instant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Instant = null)
{
    /// <summary>The one mapping of <see cref="RevocationEventKind"/> to its wire name.</summary>
    public static string KindName(RevocationEventKind kind) => kind switch
    {
        RevocationEventKind.TokenRevoked => "token_revoked",
        RevocationEventKind.SessionEnded => "session_ended",
        RevocationEventKind.UserCutoff => "user_cutoff",
        RevocationEventKind.ServiceCutoff => "service_cutoff",
        RevocationEventKind.SigningKeysChanged => "signing_keys_changed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static RevocationEventResponse From(RevocationEvent e) => new(
        e.Id, KindName(e.Kind), e.PublishedAt.ToUnixTimeMilliseconds(), e.Subject, e.SessionId, e.TokenId, e.Instant?.ToUnixTimeMilliseconds());
}
