using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Revocation;

/// <summary>
/// The feed as a serving instance publishes to it: once a publish has succeeded, its events are applied
/// to this instance's <see cref="RevocationReplica"/> before the caller goes on, so the request that
/// revoked something is answered only when this instance already refuses it (read your writes). Other
/// instances learn of it from their next poll. Reads pass through.
/// </summary>
public sealed class LocallyAppliedRevocationFeed(IRevocationFeed feed, RevocationReplica replica, ISigningKeyRefresh keys) : IRevocationFeed
{
    public async Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken)
    {
        await feed.PublishAsync(events, cancellationToken);
        if (replica.ApplyPublished(events))
        {
            keys.RequestRefresh();
        }
    }

    public Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        feed.ReadSinceAsync(from, cancellationToken);
}
