namespace ServerlessAuth.Sessions;

public interface ISessionStore
{
    Task CreateAsync(Session session, CancellationToken cancellationToken);

    Task<Session?> FindAsync(string userId, string sessionId, CancellationToken cancellationToken);

    Task TouchAsync(string userId, string sessionId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the session's row if it is still at <see cref="Session.Version"/> of <paramref name="expected"/>
    /// (an ETag-checked update), so two instances cannot both rotate one refresh token.
    /// </summary>
    /// <returns>false when the row changed or went meanwhile; nothing was written then.</returns>
    Task<bool> ReplaceIfUnchangedAsync(Session expected, Session replacement, CancellationToken cancellationToken);

    /// <returns>false when the session did not exist (already ended).</returns>
    Task<bool> DeleteAsync(string userId, string sessionId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken);

    /// <summary>Every user's sessions created at or after <paramref name="since"/>: a scan of all sessions, for rare operator commands.</summary>
    Task<IReadOnlyList<Session>> ListCreatedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
