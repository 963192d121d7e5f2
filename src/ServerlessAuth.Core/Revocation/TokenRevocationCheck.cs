using Microsoft.Extensions.Options;
using ServerlessAuth.Sessions;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth.Revocation;

/// <summary>
/// The one revocation check for a signature-valid token. In <see cref="RevocationMode.Replica"/> mode
/// it asks this instance's replica of the feed (no storage call), and fails closed when the replica
/// cannot prove it is current. In <see cref="RevocationMode.Strict"/> mode it reads four rows in
/// parallel (denylist, session, user, service cutoff).
/// </summary>
public sealed class TokenRevocationCheck(
    IRevokedTokenStore revokedTokens,
    ISessionStore sessions,
    IUserStore users,
    ISessionCutoffStore sessionCutoff,
    RevocationReplica replica,
    IOptions<RevocationOptions> revocationOptions,
    IOptions<AuthOptions> options,
    TimeProvider time)
{
    /// <returns>null when the token may be used; otherwise an error_description.</returns>
    /// <exception cref="StorageUnavailableException">The revocation state cannot be proven current.</exception>
    public async ValueTask<string?> FindRefusalAsync(AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        if (revocationOptions.Value.Mode == RevocationMode.Strict)
        {
            return await FindRefusalInTablesAsync(claims, cancellationToken);
        }

        var (answer, refusal) = await replica.CheckAsync(claims, cancellationToken);
        return answer switch
        {
            ReplicaAnswer.Accept or ReplicaAnswer.Refuse => refusal,
            _ => throw new StorageUnavailableException(replica.DescribeStaleness("the feed")),
        };
    }

    /// <summary>The source of truth, whatever the mode: for write paths such as logout, which must not act on a lagging replica.</summary>
    public async Task<string?> FindRefusalInTablesAsync(AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var revokedTask = revokedTokens.IsRevokedAsync(claims.TokenId, claims.ExpiresAt, cancellationToken);
        var sessionTask = sessions.FindAsync(claims.Subject, claims.SessionId, cancellationToken);
        var userTask = users.FindByIdAsync(claims.Subject, cancellationToken);
        var cutoffTask = sessionCutoff.GetAsync(cancellationToken);
        await Task.WhenAll(revokedTask, sessionTask, userTask, cutoffTask);

        if (await revokedTask)
        {
            return RevocationReplica.TokenRevoked;
        }

        // The user's cutoff and iat come from two instances' clocks: the same skew allowance as for a
        // session's start. Tokens issued within it were ended with their sessions (events and rows).
        var user = await userTask;
        var skew = options.Value.ClockSkew;
        if (user?.TokensValidAfter is { } after && SessionValidity.EndedByCutoff(claims.IssuedAt, after, skew))
        {
            return RevocationReplica.TokenRevoked;
        }

        return SessionValidity.FindRefusal(await sessionTask, user, await cutoffTask, time.GetUtcNow(), options.Value.SessionIdleTimeout, skew);
    }
}
