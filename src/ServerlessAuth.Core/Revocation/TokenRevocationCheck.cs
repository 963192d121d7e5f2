using Microsoft.Extensions.Options;
using ServerlessAuth.Sessions;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth.Revocation;

/// <summary>
/// The one revocation check for a signature-valid token. Four point reads whose keys all come from
/// the token or are fixed (denylist by exp and jti, session by sub and sid, user by sub, the
/// service-wide session cutoff), issued in parallel, so a protected request costs one storage round trip.
/// </summary>
public sealed class TokenRevocationCheck(
    IRevokedTokenStore revokedTokens,
    ISessionStore sessions,
    IUserStore users,
    ISessionCutoffStore sessionCutoff,
    IOptions<AuthOptions> options,
    TimeProvider time)
{
    /// <returns>null when the token may be used; otherwise an error_description.</returns>
    public async Task<string?> FindRefusalAsync(AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var revokedTask = revokedTokens.IsRevokedAsync(claims.TokenId, claims.ExpiresAt, cancellationToken);
        var sessionTask = sessions.FindAsync(claims.Subject, claims.SessionId, cancellationToken);
        var userTask = users.FindByIdAsync(claims.Subject, cancellationToken);
        var cutoffTask = sessionCutoff.GetAsync(cancellationToken);
        await Task.WhenAll(revokedTask, sessionTask, userTask, cutoffTask);

        if (await revokedTask)
        {
            return "The token has been revoked.";
        }

        // iat has whole seconds: compare with the cutoff's second, or a token issued just after a global
        // logout, in the same second, would look older than it. Tokens of sessions from before the cutoff
        // are refused by the session rule below, at full precision.
        var user = await userTask;
        if (user?.TokensValidAfter is { } after && claims.IssuedAt.ToUnixTimeSeconds() < after.ToUnixTimeSeconds())
        {
            return "The token has been revoked.";
        }

        return SessionValidity.FindRefusal(await sessionTask, user, await cutoffTask, time.GetUtcNow(), options.Value.SessionIdleTimeout);
    }
}
