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

/// <param name="UserId">Whose sessions the logout concerned, when a credential showed it (for the audit record).</param>
public sealed record LogoutOutcome(int SessionsEnded, string? RevokedTokenId, bool AllTokensRevoked, string? UserId = null);

/// <param name="UserId">Whose token it was, when it was one of ours.</param>
/// <param name="EndedSessionId">The session a refresh token's revocation ended.</param>
/// <param name="RevokedTokenId">The access token revoked.</param>
public sealed record RevocationOutcome(string? UserId, string? EndedSessionId, string? RevokedTokenId);

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
    public Task<LogoutOutcome> LogoutAsync(LogoutScope scope, SessionCookieValue? cookie, string? bearerToken, CancellationToken cancellationToken) =>
        LogoutAsync(scope, cookie, null, bearerToken, cancellationToken);

    /// <param name="cookie">The session cookie, if one was presented.</param>
    /// <param name="refreshToken">A refresh token, if one was presented (current or just spent): its session is "this session" like a cookie's.</param>
    /// <param name="bearerToken">The presented access token, if any (validated here).</param>
    public async Task<LogoutOutcome> LogoutAsync(
        LogoutScope scope, SessionCookieValue? cookie, SessionCookieValue? refreshToken, string? bearerToken, CancellationToken cancellationToken)
    {
        var fromCookie = cookie is null ? null : await sessions.ReadAsync(cookie, cancellationToken);
        var fromRefresh = refreshToken is null ? null : await sessions.ReadRefreshAsync(refreshToken, cancellationToken);
        var presented = fromCookie ?? fromRefresh;
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

            if (fromRefresh is not null && fromCookie is not null && fromRefresh.Session.Id != fromCookie.Session.Id)
            {
                toEnd.Add((fromRefresh.Session.UserId, fromRefresh.Session.Id));
            }

            if (token is not null && !toEnd.Contains((token.Subject, token.SessionId)))
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
            if (allRevoked)
            {
                // One broadcast for the sessions, the cutoff and the token, then the rows.
                ended += await sessions.EndEverythingOfUserAsync(userId, tokenEvent, cancellationToken);
                tokenEvent = [];
            }
            else
            {
                ended += await sessions.EndAllAsync(userId, session?.Id ?? token?.SessionId, cancellationToken);
            }
        }

        var whose = session?.UserId ?? token?.Subject;
        string? revoked = null;
        if (token is not null && scope != LogoutScope.Others)
        {
            await RevokeTokenAsync(token, tokenEvent.Length > 0, cancellationToken);
            revoked = token.TokenId;
        }

        return new LogoutOutcome(ended, revoked, allRevoked, whose);
    }

    /// <summary>
    /// RFC 7009 revocation of one presented token: an access token is revoked as logout revokes it, a
    /// refresh token ends its session (current or just spent, as for logout). Anything that is not a
    /// token of ours, or no longer valid, changes nothing (the RFC answers 200 all the same).
    /// </summary>
    /// <remarks>The two kinds have distinct shapes, so no token_type_hint is needed to tell them apart.</remarks>
    public async Task<RevocationOutcome> RevokeAsync(string token, CancellationToken cancellationToken)
    {
        if (SessionCookieValue.TryParse(token, out var refreshToken))
        {
            if (await sessions.ReadRefreshAsync(refreshToken, cancellationToken) is not { } presented)
            {
                return new RevocationOutcome(null, null, null);
            }

            var ended = await sessions.EndAsync([(presented.Session.UserId, presented.Session.Id)], [], cancellationToken) > 0;
            return new RevocationOutcome(presented.Session.UserId, ended ? presented.Session.Id : null, null);
        }

        if ((await tokens.ValidateSignedTokenAsync(token, cancellationToken)).Claims is not { } claims)
        {
            return new RevocationOutcome(null, null, null);
        }

        await RevokeTokenAsync(claims, publish: true, cancellationToken);
        return new RevocationOutcome(claims.Subject, null, claims.TokenId);
    }

    /// <summary>The one way a single access token is revoked: broadcast first (unless already done with other events), then the denylist row.</summary>
    private async Task RevokeTokenAsync(AccessTokenClaims token, bool publish, CancellationToken cancellationToken)
    {
        if (publish)
        {
            await feed.PublishAsync([RevocationEvent.TokenRevoked(token.TokenId, token.ExpiresAt, time.GetUtcNow())], cancellationToken);
        }

        await revokedTokens.RevokeAsync(token.TokenId, token.ExpiresAt, cancellationToken);
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
