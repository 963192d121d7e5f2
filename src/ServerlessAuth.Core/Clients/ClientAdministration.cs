using System.Buffers.Text;
using System.Security.Cryptography;

namespace ServerlessAuth.Clients;

public sealed record AddedClient(ApiClient Client, string Secret);

/// <summary>Registers and removes API clients (the admin CLI). A removed client is refused on its next call.</summary>
public sealed class ClientAdministration(IApiClientStore store, TimeProvider time)
{
    public const int MaxDescriptionLength = 200;

    /// <returns>The client and its secret (256 random bits, base64url), or null when the id is taken.</returns>
    /// <exception cref="ArgumentException">The id or the description is not acceptable.</exception>
    public async Task<AddedClient?> AddAsync(string clientId, string? description, CancellationToken cancellationToken)
    {
        if (!ClientIds.IsValid(clientId))
        {
            throw new ArgumentException(ClientIds.Rule, nameof(clientId));
        }

        if (description is { Length: > MaxDescriptionLength } || description?.Any(char.IsControl) == true)
        {
            throw new ArgumentException($"The description may have at most {MaxDescriptionLength} characters and no control characters.", nameof(description));
        }

        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var client = new ApiClient(clientId, string.IsNullOrWhiteSpace(description) ? null : description, ClientAuthenticator.HashSecret(secret), time.GetUtcNow());
        return await store.AddAsync(client, cancellationToken) ? new AddedClient(client, secret) : null;
    }

    public Task<IReadOnlyList<ApiClient>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    public async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken) =>
        ClientIds.IsValid(clientId) && await store.RemoveAsync(clientId, cancellationToken);
}
