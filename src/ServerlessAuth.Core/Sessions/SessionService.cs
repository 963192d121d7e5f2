using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Users;

namespace ServerlessAuth.Sessions;

public sealed record StartedSession(Session Session, SessionCookieValue Cookie);

public sealed record ActiveSession(Session Session, UserAccount User);

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

    public async Task<StartedSession> StartAsync(UserAccount user, string? userAgent, CancellationToken cancellationToken)
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
        if (presented is null || !IsLive(presented))
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

    /// <summary>The session a cookie proves possession of, live or not (logout ends expired ones too).</summary>
    public async Task<PresentedSession?> ReadAsync(SessionCookieValue cookie, CancellationToken cancellationToken)
    {
        var sessionTask = sessions.FindAsync(cookie.UserId, cookie.SessionId, cancellationToken);
        var userTask = users.FindByIdAsync(cookie.UserId, cancellationToken);
        var cutoffTask = sessionCutoff.GetAsync(cancellationToken);
        await Task.WhenAll(sessionTask, userTask, cutoffTask);
        var session = await sessionTask;
        return session is not null && cookie.Matches(session) ? new PresentedSession(session, await userTask, await cutoffTask) : null;
    }

    public bool IsLive(PresentedSession presented) =>
        SessionValidity.FindRefusal(presented.Session, presented.User, presented.SessionsValidAfter, time.GetUtcNow(), options.Value.SessionIdleTimeout) is null;

    /// <summary>
    /// Ends every session of one user and refuses every token issued so far. The cutoff is broadcast
    /// first, then written, then the sessions go: a failure at any step leaves nothing accepted that
    /// should not be, and repeating the call finishes the job.
    /// </summary>
    /// <returns>How many sessions were ended.</returns>
    public async Task<int> EndEverythingOfUserAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await feed.PublishAsync([RevocationEvent.UserCutoff(userId, now, now)], cancellationToken);
        await users.SetTokensValidAfterAsync(userId, now, cancellationToken);
        var ended = 0;
        foreach (var session in await sessions.ListAsync(userId, cancellationToken))
        {
            if (await sessions.DeleteAsync(userId, session.Id, cancellationToken))
            {
                ended++;
            }
        }

        return ended;
    }

    /// <summary>Ends every session of every user created before now (the operator's "log everyone out"), broadcast first.</summary>
    public async Task<DateTimeOffset> EndEverySessionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await feed.PublishAsync([RevocationEvent.ServiceCutoff(now, now)], cancellationToken);
        await sessionCutoff.SetAsync(now, cancellationToken);
        return now;
    }

    public Task<DateTimeOffset?> GetSessionsValidAfterAsync(CancellationToken cancellationToken) => sessionCutoff.GetAsync(cancellationToken);

    public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(userId, cancellationToken);

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
        IEnumerable<RevocationEvent> events = [.. toEnd.Select(s => RevocationEvent.SessionEnded(s.UserId, s.SessionId, now)), .. alsoPublish];
        foreach (var chunk in events.Chunk(MaxEventsPerPublish))
        {
            await feed.PublishAsync(chunk, cancellationToken);
        }

        var ended = 0;
        foreach (var (userId, sessionId) in toEnd)
        {
            if (await sessions.DeleteAsync(userId, sessionId, cancellationToken))
            {
                ended++;
            }
        }

        return ended;
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
