using System.Security.Cryptography;
using System.Buffers.Text;

namespace ServerlessAuth.Revocation;

public enum RevocationEventKind
{
    /// <summary>One token (<see cref="RevocationEvent.TokenId"/>) until its expiry (<see cref="RevocationEvent.Instant"/>).</summary>
    TokenRevoked,

    /// <summary>One session (<see cref="RevocationEvent.Subject"/>, <see cref="RevocationEvent.SessionId"/>) and all its tokens.</summary>
    SessionEnded,

    /// <summary>Every session of <see cref="RevocationEvent.Subject"/> begun before <see cref="RevocationEvent.Instant"/> (global logout, disable).</summary>
    UserCutoff,

    /// <summary>Every session of every user begun before <see cref="RevocationEvent.Instant"/>.</summary>
    ServiceCutoff,

    /// <summary>Signing key versions changed (rotation, disable): re-read the key ring now.</summary>
    SigningKeysChanged,
}

/// <summary>
/// One fact broadcast through the revocation feed. <see cref="PublishedAt"/> is the writer's clock;
/// readers allow for skew between writers (see <see cref="RevocationFeedFollower"/>).
/// </summary>
public sealed record RevocationEvent(
    string Id,
    RevocationEventKind Kind,
    DateTimeOffset PublishedAt,
    string? Subject = null,
    string? SessionId = null,
    string? TokenId = null,
    DateTimeOffset? Instant = null)
{
    public static RevocationEvent TokenRevoked(string tokenId, DateTimeOffset expiresAt, DateTimeOffset now) =>
        new(NewId(), RevocationEventKind.TokenRevoked, now, TokenId: tokenId, Instant: expiresAt);

    public static RevocationEvent SessionEnded(string subject, string sessionId, DateTimeOffset now) =>
        new(NewId(), RevocationEventKind.SessionEnded, now, Subject: subject, SessionId: sessionId);

    public static RevocationEvent UserCutoff(string subject, DateTimeOffset instant, DateTimeOffset now) =>
        new(NewId(), RevocationEventKind.UserCutoff, now, Subject: subject, Instant: instant);

    public static RevocationEvent ServiceCutoff(DateTimeOffset instant, DateTimeOffset now) =>
        new(NewId(), RevocationEventKind.ServiceCutoff, now, Instant: instant);

    public static RevocationEvent SigningKeysChanged(DateTimeOffset now) =>
        new(NewId(), RevocationEventKind.SigningKeysChanged, now);

    private static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
}

/// <summary>
/// The revocation feed: an append-only log of <see cref="RevocationEvent"/>s that every serving
/// instance follows. The tables stay the source of truth; the feed is the broadcast.
/// </summary>
public interface IRevocationFeed : IRevocationFeedReader
{
    /// <summary>Appends events that share one <see cref="RevocationEvent.PublishedAt"/>, atomically where the store allows.</summary>
    Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken);
}

/// <summary>
/// What a follower of the feed needs: the feed table itself in our instances, the authenticated
/// revocations endpoint in a protected API.
/// </summary>
public interface IRevocationFeedReader
{
    /// <summary>Every event published at or after <paramref name="from"/> (writer's clock), across partitions and pages.</summary>
    Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken);
}
