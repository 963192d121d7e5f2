using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Logout;

public enum LogoutScope
{
    /// <summary>This session and the presented token.</summary>
    Local,

    /// <summary>Every session of the user but this one.</summary>
    Others,

    /// <summary>Every session and every token of the user.</summary>
    Global,
}

public sealed record LogoutOutcome(int SessionsEnded, string? RevokedTokenId, bool AllTokensRevoked);

/// <summary>
/// Ends sessions and revokes tokens. Idempotent: missing or stale credentials end nothing and succeed.
/// Every change is broadcast on the revocation feed before the tables change, so a failure midway
/// never leaves a revoked token accepted; storage failures propagate, and the same logout can simply
/// be repeated.
/// </summary>
public sealed class LogoutService(
    SessionService sessions,
    IRevokedTokenStore revokedTokens,
    AccessTokenValidator tokens,
    TokenRevocationCheck revocation,
    IRevocationFeed feed,
    TimeProvider time)
{
    /// <param name="cookie">The session cookie, if one was presented.</param>
    /// <param name="bearerToken">The presented access token, if any (validated here).</param>
    public async Task<LogoutOutcome> LogoutAsync(LogoutScope scope, SessionCookieValue? cookie, string? bearerToken, CancellationToken cancellationToken)
    {
        var presented = cookie is null ? null : await sessions.ReadAsync(cookie, cancellationToken);
        var session = presented?.Session;
        var token = bearerToken is null ? null : (await tokens.ValidateSignedTokenAsync(bearerToken, cancellationToken)).Claims;
        RevocationEvent[] tokenEvent = token is not null && scope != LogoutScope.Others
            ? [RevocationEvent.TokenRevoked(token.TokenId, token.ExpiresAt, time.GetUtcNow())]
            : [];

        var ended = 0;
        var allRevoked = false;

        if (scope == LogoutScope.Local)
        {
            var toEnd = new List<(string, string)>();
            if (session is not null)
            {
                toEnd.Add((session.UserId, session.Id));
            }

            if (token is not null && token.SessionId != session?.Id)
            {
                toEnd.Add((token.Subject, token.SessionId));
            }

            // One broadcast for the sessions and the token, then the rows.
            ended = await sessions.EndAsync(toEnd, tokenEvent, cancellationToken);
            tokenEvent = [];
        }
        else if (await FindAuthenticatedUserAsync(presented, token, cancellationToken) is { } userId)
        {
            allRevoked = scope == LogoutScope.Global;
            ended += allRevoked
                ? await sessions.EndEverythingOfUserAsync(userId, cancellationToken)
                : await sessions.EndAllAsync(userId, session?.Id ?? token?.SessionId, cancellationToken);
        }

        string? revoked = null;
        if (token is not null && scope != LogoutScope.Others)
        {
            if (tokenEvent.Length > 0)
            {
                await feed.PublishAsync(tokenEvent, cancellationToken);
            }

            await revokedTokens.RevokeAsync(token.TokenId, token.ExpiresAt, cancellationToken);
            revoked = token.TokenId;
        }

        return new LogoutOutcome(ended, revoked, allRevoked);
    }

    /// <summary>Logging out other devices needs a credential that is still good, not merely well-formed.</summary>
    private async Task<string?> FindAuthenticatedUserAsync(
        PresentedSession? presented, AccessTokenClaims? token, CancellationToken cancellationToken)
    {
        if (presented is not null && sessions.IsLive(presented))
        {
            return presented.Session.UserId;
        }

        // The signature was checked already; only the revocation state is left to read, from the tables
        // (a replica may not have seen a logout of a moment ago).
        if (token is not null && await revocation.FindRefusalInTablesAsync(token, cancellationToken) is null)
        {
            return token.Subject;
        }

        return null;
    }
}
