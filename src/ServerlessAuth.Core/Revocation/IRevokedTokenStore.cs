namespace ServerlessAuth.Revocation;

/// <summary>
/// The denylist of token ids. An entry is needed only until the token's own expiry, so the store
/// keys entries by expiry and can drop them in bulk once that has passed.
/// </summary>
public interface IRevokedTokenStore
{
    Task RevokeAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken);

    Task<bool> IsRevokedAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken);
}
