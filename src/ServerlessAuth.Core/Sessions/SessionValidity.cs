using ServerlessAuth.Users;

namespace ServerlessAuth.Sessions;

/// <summary>The one rule for whether a session may still be used, by a cookie or by a token's <c>sid</c>.</summary>
public static class SessionValidity
{
    /// <param name="sessionsValidAfter">The service-wide cutoff (<see cref="ISessionCutoffStore"/>), if set.</param>
    /// <returns>null when usable; otherwise why not.</returns>
    public static string? FindRefusal(Session? session, UserAccount? user, DateTimeOffset? sessionsValidAfter, DateTimeOffset now, TimeSpan idleTimeout)
    {
        if (session is null)
        {
            return "The session has ended.";
        }

        if (!session.IsLiveAt(now, idleTimeout))
        {
            return "The session has expired.";
        }

        if (user is null || user.Disabled)
        {
            return "The account is not active.";
        }

        if (user.TokensValidAfter is { } after && session.CreatedAt < after
            || sessionsValidAfter is { } cutoff && session.CreatedAt < cutoff)
        {
            return "The session has ended.";
        }

        return null;
    }
}
