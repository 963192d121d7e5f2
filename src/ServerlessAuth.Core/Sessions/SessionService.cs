using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Users;

namespace ServerlessAuth.Sessions;

public sealed record StartedSession(Session Session, SessionCookieValue Cookie);

public sealed record ActiveSession(Session Session, UserAccount User);

public enum RefreshResult
{
    /// <summary>The presented token was current: it is spent now, and <see cref="RefreshOutcome.RefreshToken"/> replaces it.</summary>
    Rotated,

    /// <summary>The token was spent within the grace window (a parallel or retried refresh): the same successor again.</summary>
    RetriedWithinGrace,

    /// <summary>Unknown, malformed, not provably of the session, ended or expired: refused, nothing changed.</summary>
    Invalid,

    /// <summary>
    /// A spent token came back: the last spent one after the grace window, or an older one (proven authentic
    /// by the chain) at any time. Its whole session has been ended.
    /// </summary>
    ReuseDetected,
}

public sealed record RefreshOutcome(RefreshResult Result, ActiveSession? Active = null, SessionCookieValue? RefreshToken = null, string? UserId = null);

/// <summary>A session a cookie proves possession of, with what decides whether it is still usable.</summary>
public sealed record PresentedSession(Session Session, UserAccount? User, DateTimeOffset? SessionsValidAfter);

public sealed class SessionService(
    ISessionStore sessions,
    IUserStore users,
    ISessionCutoffStore sessionCutoff,
    IRevocationFeed feed,
    IOptions<AuthOptions> options,
    TimeProvider time)
{
    private const int MaxEventsPerPublish = 100;

    public const int MaxUserAgentLength = 200;

    /// <summary>
    /// How many generations behind the current refresh token a spent one is still recognised as reuse
    /// (walking the chain forward costs one HMAC and one SHA-256 per generation, only for a token that is
    /// neither current nor the last spent). 100 covers a whole session at the defaults: 12 hours of
    /// refreshes every 10 minutes are 72 rotations.
    /// </summary>
    public const int RefreshChainDepth = 100;

    public Task<StartedSession> StartAsync(UserAccount user, string? userAgent, CancellationToken cancellationToken) =>
        StartAsync(user, userAgent, SessionKind.Cookie, cancellationToken);

    /// <param name="kind">Cookie for browsers; refresh token for non-browser clients (the credential has the same format).</param>
    public async Task<StartedSession> StartAsync(UserAccount user, string? userAgent, SessionKind kind, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cookie = SessionCookieValue.Create(user.Id);
        var session = new Session
        {
            UserId = user.Id,
            Id = cookie.SessionId,
            SecretHash = cookie.SecretHash(),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.Value.SessionAbsoluteLifetime,
            UserAgent = userAgent is { Length: > MaxUserAgentLength } ? userAgent[..MaxUserAgentLength] : userAgent,
            Kind = kind,
            ChainKey = kind == SessionKind.RefreshToken ? RandomNumberGenerator.GetBytes(32) : null,
        };
        await sessions.CreateAsync(session, cancellationToken);
        return new StartedSession(session, cookie);
    }

    /// <summary>
    /// The live session a cookie proves, with its user; null for anything else. Session, user and the
    /// service-wide cutoff are read in parallel. Activity is recorded at most every tenth of the idle
    /// timeout, to bound writes.
    /// </summary>
    public async Task<ActiveSession?> ResolveAsync(SessionCookieValue cookie, CancellationToken cancellationToken)
    {
        var presented = await ReadAsync(cookie, cancellationToken);
        if (presented is null || presented.Session.Kind != SessionKind.Cookie || !IsLive(presented))
        {
            return null;
        }

        var (session, user) = (presented.Session, presented.User!);
        var now = time.GetUtcNow();
        if (now - session.LastSeenAt >= options.Value.SessionIdleTimeout / 10)
        {
            await sessions.TouchAsync(session.UserId, session.Id, now, cancellationToken);
            session = session with { LastSeenAt = now };
        }

        return new ActiveSession(session, user);
    }

    /// <summary>
    /// The cookie session a cookie proves possession of, live or not (logout ends expired ones too). A
    /// refresh token sent as a cookie proves nothing: the two credentials are never interchangeable.
    /// </summary>
    public async Task<PresentedSession?> ReadAsync(SessionCookieValue cookie, CancellationToken cancellationToken)
    {
        var presented = await ReadUncheckedAsync(cookie, cancellationToken);
        return presented is { Session.Kind: SessionKind.Cookie } && cookie.Matches(presented.Session) ? presented : null;
    }

    /// <summary>
    /// The refresh-token session a refresh token belongs to, live or not, whether the token is current or
    /// the one spent by the last rotation (a client that lost a rotation's answer can still log out).
    /// </summary>
    public async Task<PresentedSession?> ReadRefreshAsync(SessionCookieValue refreshToken, CancellationToken cancellationToken)
    {
        var presented = await ReadUncheckedAsync(refreshToken, cancellationToken);
        return presented is { Session.Kind: SessionKind.RefreshToken }
            && (refreshToken.Matches(presented.Session) || refreshToken.MatchesPrevious(presented.Session))
            ? presented
            : null;
    }

    private async Task<PresentedSession?> ReadUncheckedAsync(SessionCookieValue credential, CancellationToken cancellationToken)
    {
        var sessionTask = sessions.FindAsync(credential.UserId, credential.SessionId, cancellationToken);
        var userTask = users.FindByIdAsync(credential.UserId, cancellationToken);
        var cutoffTask = sessionCutoff.GetAsync(cancellationToken);
        await Task.WhenAll(sessionTask, userTask, cutoffTask);
        return await sessionTask is { } session ? new PresentedSession(session, await userTask, await cutoffTask) : null;
    }

    /// <summary>
    /// The refresh grant (RFC 6749 6) with rotation and reuse detection (RFC 9700 4.14.2). The current
    /// token is exchanged for its successor, HMAC(chain key, secret), with an ETag-checked replace of the
    /// session row, so of two instances rotating at once exactly one writes; the other re-reads and answers
    /// as a retry. The token the last rotation spent gets the same successor again (nothing is written)
    /// while the row's last write is at most <see cref="AuthOptions.RefreshReuseGraceWindow"/> old by the
    /// store's clock; later, or any older token proven to be of the session's chain, ends the session
    /// through the feed. Whatever is not provably of the session ends nothing.
    /// </summary>
    public async Task<RefreshOutcome> RefreshAsync(SessionCookieValue refreshToken, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var presented = await ReadUncheckedAsync(refreshToken, cancellationToken);
            if (presented is not { Session.Kind: SessionKind.RefreshToken } || !IsLive(presented))
            {
                return new RefreshOutcome(RefreshResult.Invalid);
            }

            var (session, user) = (presented.Session, presented.User!);
            var now = time.GetUtcNow();
            if (refreshToken.Matches(session))
            {
                // Rows from before chain keys get theirs now; it never changes after.
                var key = session.ChainKey ?? RandomNumberGenerator.GetBytes(32);
                var successor = refreshToken.Successor(key);
                var rotated = session with
                {
                    SecretHash = successor.SecretHash(),
                    PreviousSecretHash = refreshToken.SecretHash(),
                    ChainKey = key,
                    RotatedAt = now,
                    LastSeenAt = now,
                    SinceLastWrite = TimeSpan.Zero,
                };
                if (await sessions.ReplaceIfUnchangedAsync(session, rotated, cancellationToken))
                {
                    return new RefreshOutcome(RefreshResult.Rotated, new ActiveSession(rotated, user), successor, user.Id);
                }

                // Another request rotated it first: read again and answer as its retry.
                continue;
            }

            if (session.PreviousSecretHash is null || session.ChainKey is not { } chainKey)
            {
                // Never rotated: nothing of this session has been spent, so this is a guess.
                return new RefreshOutcome(RefreshResult.Invalid);
            }

            if (refreshToken.MatchesPrevious(session) && IsWithinGrace(session, now))
            {
                var successor = refreshToken.Successor(chainKey);
                return successor.Matches(session)
                    ? new RefreshOutcome(RefreshResult.RetriedWithinGrace, new ActiveSession(session, user), successor, user.Id)
                    : new RefreshOutcome(RefreshResult.Invalid);
            }

            // The last spent token after the grace window, or an older one: reuse, but only once the chain
            // proves it authentic, so a guessed or forged token never ends a session.
            if (refreshToken.GenerationsBehind(session, RefreshChainDepth) is null)
            {
                return new RefreshOutcome(RefreshResult.Invalid);
            }

            await EndAsync([(session.UserId, session.Id)], [], cancellationToken);
            return new RefreshOutcome(RefreshResult.ReuseDetected, UserId: session.UserId);
        }

        // Rotated by others on every attempt: the caller may retry.
        throw new Storage.StorageUnavailableException("The refresh token was being rotated by concurrent requests; retry.");
    }

    /// <summary>
    /// Whether the last rotation is recent enough for a retry of the token it spent. Measured on the store's
    /// clock when it can say, so neither a write that storage applied late nor skew between instances makes
    /// a client's retry look like reuse; otherwise on this instance's clock against the rotating instance's.
    /// </summary>
    private bool IsWithinGrace(Session session, DateTimeOffset now)
    {
        var window = options.Value.RefreshReuseGraceWindow;
        var age = session.SinceLastWrite ?? (session.RotatedAt is { } rotatedAt ? now - rotatedAt : TimeSpan.MaxValue);

        // 0 is "no grace": the store's whole-second clock could otherwise call a repeat 0 s old.
        return window > TimeSpan.Zero && age <= window;
    }

    public bool IsLive(PresentedSession presented) =>
        SessionValidity.FindRefusal(presented.Session, presented.User, presented.SessionsValidAfter, time.GetUtcNow(),
            options.Value.SessionIdleTimeout, options.Value.ClockSkew) is null;

    /// <inheritdoc cref="EndEverythingOfUserAsync(string, IReadOnlyList{RevocationEvent}, CancellationToken)"/>
    public Task<int> EndEverythingOfUserAsync(string userId, CancellationToken cancellationToken) =>
        EndEverythingOfUserAsync(userId, [], cancellationToken);

    /// <summary>
    /// Ends every session of one user and refuses every token issued so far, without comparing two
    /// instances' clocks: each session listed is ended by its own <see cref="RevocationEventKind.SessionEnded"/>
    /// event, broadcast with the user's cutoff (a backstop, see <see cref="SessionValidity.EndedByCutoff"/>)
    /// and <paramref name="alsoPublish"/> in as few feed writes as the feed allows; then the cutoff is
    /// written and the rows go. A failure at any step leaves nothing accepted that should not be, and
    /// repeating the call finishes the job.
    /// </summary>
    /// <remarks>A session begun while this runs, after the listing, is not ended: it began with the logout, not before it.</remarks>
    /// <returns>How many sessions were ended.</returns>
    public async Task<int> EndEverythingOfUserAsync(string userId, IReadOnlyList<RevocationEvent> alsoPublish, CancellationToken cancellationToken)
    {
        var all = await sessions.ListAsync(userId, cancellationToken);
        var now = time.GetUtcNow();
        await PublishAsync([RevocationEvent.UserCutoff(userId, now, now), .. alsoPublish, .. all.Select(s => RevocationEvent.SessionEnded(userId, s.Id, now))],
            cancellationToken);
        await users.SetTokensValidAfterAsync(userId, now, cancellationToken);
        return await DeleteRowsAsync(all.Select(session => (userId, session.Id)), cancellationToken);
    }

    /// <summary>
    /// Ends every session of every user (the operator's "log everyone out"). The service cutoff ends the
    /// sessions begun more than <see cref="AuthOptions.ClockSkew"/> before it; those it spares are found by
    /// a scan of the sessions created in the last two skews (read before the cutoff, so none begun after
    /// it) and ended one by one, broadcast first. The scan reads the whole sessions table: an operator's
    /// rare command.
    /// </summary>
    /// <returns>The cutoff.</returns>
    public async Task<DateTimeOffset> EndEverySessionAsync(CancellationToken cancellationToken)
    {
        var recent = await sessions.ListCreatedSinceAsync(time.GetUtcNow() - 2 * options.Value.ClockSkew, cancellationToken);
        var now = time.GetUtcNow();
        await PublishAsync([RevocationEvent.ServiceCutoff(now, now), .. recent.Select(s => RevocationEvent.SessionEnded(s.UserId, s.Id, now))],
            cancellationToken);
        await sessionCutoff.SetAsync(now, cancellationToken);
        await DeleteRowsAsync(recent.Select(s => (s.UserId, s.Id)), cancellationToken);
        return now;
    }

    public Task<DateTimeOffset?> GetSessionsValidAfterAsync(CancellationToken cancellationToken) => sessionCutoff.GetAsync(cancellationToken);

    public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(userId, cancellationToken);

    /// <summary>The user's sessions that may still be used (the same rule as for their cookies and tokens).</summary>
    public async Task<IReadOnlyList<Session>> ListLiveAsync(string userId, CancellationToken cancellationToken)
    {
        var listTask = sessions.ListAsync(userId, cancellationToken);
        var userTask = users.FindByIdAsync(userId, cancellationToken);
        var cutoffTask = sessionCutoff.GetAsync(cancellationToken);
        await Task.WhenAll(listTask, userTask, cutoffTask);
        var (user, cutoff) = (await userTask, await cutoffTask);
        return [.. (await listTask).Where(s => IsLive(new PresentedSession(s, user, cutoff)))];
    }

    /// <summary>
    /// Ends one session of <paramref name="userId"/>, broadcast first. Only that user's partition is
    /// looked in, so another user's session id is never found.
    /// </summary>
    /// <returns>false when the user has no such session.</returns>
    public async Task<bool> EndOwnAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
        SessionCookieValue.IsSessionId(sessionId)
        && await sessions.FindAsync(userId, sessionId, cancellationToken) is not null
        && await EndAsync(userId, sessionId, cancellationToken);

    /// <returns>false when the session did not exist (already ended).</returns>
    public async Task<bool> EndAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
        await EndAsync([(userId, sessionId)], [], cancellationToken) > 0;

    /// <summary>
    /// Ends sessions: one <see cref="RevocationEventKind.SessionEnded"/> event each (with
    /// <paramref name="alsoPublish"/>, in as few writes as the feed allows) is broadcast before any row
    /// is deleted, so no instance keeps accepting their tokens whatever fails in between.
    /// </summary>
    /// <returns>How many of the sessions still existed.</returns>
    public async Task<int> EndAsync(
        IReadOnlyCollection<(string UserId, string SessionId)> toEnd, IReadOnlyList<RevocationEvent> alsoPublish, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await PublishAsync([.. toEnd.Select(s => RevocationEvent.SessionEnded(s.UserId, s.SessionId, now)), .. alsoPublish], cancellationToken);
        return await DeleteRowsAsync(toEnd, cancellationToken);
    }

    /// <summary>In as few feed writes as the feed allows (one per <see cref="MaxEventsPerPublish"/> events).</summary>
    private async Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken)
    {
        foreach (var chunk in events.Chunk(MaxEventsPerPublish))
        {
            await feed.PublishAsync(chunk, cancellationToken);
        }
    }

    /// <returns>How many of the rows still existed.</returns>
    private async Task<int> DeleteRowsAsync(IEnumerable<(string UserId, string SessionId)> rows, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var (userId, sessionId) in rows)
        {
            if (await sessions.DeleteAsync(userId, sessionId, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <returns>How many sessions were ended.</returns>
    public async Task<int> EndAllAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        var toEnd = (await sessions.ListAsync(userId, cancellationToken))
            .Where(s => s.Id != exceptSessionId)
            .Select(s => (userId, s.Id))
            .ToList();
        return toEnd.Count == 0 ? 0 : await EndAsync(toEnd, [], cancellationToken);
    }
}
