using ServerlessAuth.Users;

namespace ServerlessAuth.Sessions;

/// <summary>The one rule for whether a session may still be used, by a cookie or by a token's <c>sid</c>.</summary>
public static class SessionValidity
{
    /// <param name="sessionsValidAfter">The service-wide cutoff (<see cref="ISessionCutoffStore"/>), if set.</param>
    /// <param name="clockSkew">The tolerated clock difference between instances (<see cref="AuthOptions.ClockSkew"/>): see <see cref="EndedByCutoff"/>.</param>
    /// <returns>null when usable; otherwise why not.</returns>
    public static string? FindRefusal(
        Session? session, UserAccount? user, DateTimeOffset? sessionsValidAfter, DateTimeOffset now, TimeSpan idleTimeout, TimeSpan clockSkew)
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

        if (user.TokensValidAfter is { } after && EndedByCutoff(session.CreatedAt, after, clockSkew)
            || sessionsValidAfter is { } cutoff && EndedByCutoff(session.CreatedAt, cutoff, clockSkew))
        {
            return "The session has ended.";
        }

        return null;
    }

    /// <summary>
    /// Whether a cutoff (a user's, or the service's) ends a session begun at <paramref name="start"/>. The
    /// two instants come from different instances' clocks, so a cutoff is only a backstop: it ends the
    /// sessions begun more than <paramref name="clockSkew"/> before it, in whole seconds (<c>auth_time</c> has
    /// no more), and a session begun after it on an instance whose clock is up to that much behind is
    /// never refused. Whoever sets a cutoff ends the sessions it spares one by one (their own events and
    /// rows), so no decision depends on comparing two clocks.
    /// </summary>
    public static bool EndedByCutoff(DateTimeOffset start, DateTimeOffset cutoff, TimeSpan clockSkew) =>
        start.ToUnixTimeSeconds() < (cutoff - clockSkew).ToUnixTimeSeconds();
}
