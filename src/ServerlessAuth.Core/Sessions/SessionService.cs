using Microsoft.Extensions.Options;
using ServerlessAuth.Users;

namespace ServerlessAuth.Sessions;

public sealed record StartedSession(Session Session, SessionCookieValue Cookie);

public sealed record ActiveSession(Session Session, UserAccount User);

public sealed class SessionService(ISessionStore sessions, IUserStore users, IOptions<AuthOptions> options, TimeProvider time)
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
    /// The live session a cookie proves, with its user; null for anything else. Session and user are
    /// read in parallel. Activity is recorded at most every tenth of the idle timeout, to bound writes.
    /// </summary>
    public async Task<ActiveSession?> ResolveAsync(SessionCookieValue cookie, CancellationToken cancellationToken)
    {
        var (session, user) = await ReadAsync(cookie, cancellationToken);
        var now = time.GetUtcNow();
        var idle = options.Value.SessionIdleTimeout;
        if (session is null || SessionValidity.FindRefusal(session, user, now, idle) is not null)
        {
            return null;
        }

        if (now - session.LastSeenAt >= idle / 10)
        {
            await sessions.TouchAsync(session.UserId, session.Id, now, cancellationToken);
            session = session with { LastSeenAt = now };
        }

        return new ActiveSession(session, user!);
    }

    /// <summary>The session a cookie proves possession of, live or not (logout ends expired ones too).</summary>
    public async Task<(Session? Session, UserAccount? User)> ReadAsync(SessionCookieValue cookie, CancellationToken cancellationToken)
    {
        var sessionTask = sessions.FindAsync(cookie.UserId, cookie.SessionId, cancellationToken);
        var userTask = users.FindByIdAsync(cookie.UserId, cancellationToken);
        await Task.WhenAll(sessionTask, userTask);
        var session = await sessionTask;
        return session is not null && cookie.Matches(session) ? (session, await userTask) : (null, null);
    }

    public bool IsLive(Session session, UserAccount? user) =>
        SessionValidity.FindRefusal(session, user, time.GetUtcNow(), options.Value.SessionIdleTimeout) is null;

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
