using Microsoft.Extensions.Options;
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
    IOptions<AuthOptions> options,
    TimeProvider time)
{
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
    /// Ends every session of one user and refuses every token issued so far. The instant is written
    /// first, so everything is refused at once even if deleting the sessions fails midway.
    /// </summary>
    /// <returns>How many sessions were ended.</returns>
    public async Task<int> EndEverythingOfUserAsync(string userId, CancellationToken cancellationToken)
    {
        await users.SetTokensValidAfterAsync(userId, time.GetUtcNow(), cancellationToken);
        return await EndAllAsync(userId, exceptSessionId: null, cancellationToken);
    }

    /// <summary>Ends every session of every user created before now (the operator's "log everyone out").</summary>
    public async Task<DateTimeOffset> EndEverySessionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await sessionCutoff.SetAsync(now, cancellationToken);
        return now;
    }

    public Task<DateTimeOffset?> GetSessionsValidAfterAsync(CancellationToken cancellationToken) => sessionCutoff.GetAsync(cancellationToken);

    public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(userId, cancellationToken);

    public Task<bool> EndAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
        sessions.DeleteAsync(userId, sessionId, cancellationToken);

    /// <returns>How many sessions were ended.</returns>
    public async Task<int> EndAllAsync(string userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var session in await sessions.ListAsync(userId, cancellationToken))
        {
            if (session.Id != exceptSessionId && await sessions.DeleteAsync(userId, session.Id, cancellationToken))
            {
                ended++;
            }
        }

        return ended;
    }
}
