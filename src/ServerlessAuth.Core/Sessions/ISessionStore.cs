namespace ServerlessAuth.Sessions;

public interface ISessionStore
{
    Task CreateAsync(Session session, CancellationToken cancellationToken);

    Task<Session?> FindAsync(string userId, string sessionId, CancellationToken cancellationToken);

    Task TouchAsync(string userId, string sessionId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken);

    /// <returns>false when the session did not exist (already ended).</returns>
    Task<bool> DeleteAsync(string userId, string sessionId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken);
}
