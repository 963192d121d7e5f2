namespace ServerlessAuth.Clients;

/// <summary>
/// An API registered to call introspection and the revocations endpoint. Only the SHA-256 of its
/// secret is kept: the secret itself is shown once, when the client is added.
/// </summary>
public sealed record ApiClient(string Id, string? Description, byte[] SecretHash, DateTimeOffset CreatedAt);

/// <summary>The registered API clients.</summary>
public interface IApiClientStore
{
    Task<ApiClient?> FindAsync(string clientId, CancellationToken cancellationToken);

    /// <returns>false when a client with that id exists already (nothing is changed).</returns>
    Task<bool> AddAsync(ApiClient client, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiClient>> ListAsync(CancellationToken cancellationToken);

    /// <returns>false when there was no such client.</returns>
    Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken);
}
