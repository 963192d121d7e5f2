using System.Collections.Concurrent;
using ServerlessAuth.Clients;

namespace ServerlessAuth.UnitTests.Clients;

public sealed class ClientAuthenticatorTests
{
    /// <summary>Counts lookups, so a test can see that unknown ids take the same path as known ones.</summary>
    private sealed class CountingStore : IApiClientStore
    {
        private readonly ConcurrentDictionary<string, ApiClient> _clients = new();

        public int Finds { get; private set; }

        public Task<ApiClient?> FindAsync(string clientId, CancellationToken cancellationToken)
        {
            Finds++;
            return Task.FromResult(_clients.GetValueOrDefault(clientId));
        }

        public Task<bool> AddAsync(ApiClient client, CancellationToken cancellationToken) => Task.FromResult(_clients.TryAdd(client.Id, client));

        public Task<IReadOnlyList<ApiClient>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ApiClient>>([.. _clients.Values]);

        public Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken) => Task.FromResult(_clients.TryRemove(clientId, out _));
    }

    [Fact]
    public async Task Only_the_right_secret_of_a_registered_client_authenticates()
    {
        var store = new CountingStore();
        var added = await new ClientAdministration(store, TimeProvider.System).AddAsync("api", "d", CancellationToken.None);
        var authenticator = new ClientAuthenticator(store);

        Assert.Equal("api", (await authenticator.AuthenticateAsync("api", added!.Secret, CancellationToken.None))?.Id);
        Assert.Null(await authenticator.AuthenticateAsync("api", added.Secret + "x", CancellationToken.None));
        Assert.Null(await authenticator.AuthenticateAsync("api", "", CancellationToken.None));
        Assert.Null(await authenticator.AuthenticateAsync("other", added.Secret, CancellationToken.None));

        // Known and unknown ids are both looked up, then hashed and compared: the same work.
        Assert.Equal(4, store.Finds);
    }

    [Fact]
    public async Task The_secret_is_256_random_bits_and_only_its_hash_is_stored()
    {
        var store = new CountingStore();
        var administration = new ClientAdministration(store, TimeProvider.System);
        var first = await administration.AddAsync("a", null, CancellationToken.None);
        var second = await administration.AddAsync("b", null, CancellationToken.None);

        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(first!.Secret).Length);
        Assert.NotEqual(first.Secret, second!.Secret);
        var stored = (await store.ListAsync(CancellationToken.None)).Single(c => c.Id == "a");
        Assert.Equal(ClientAuthenticator.HashSecret(first.Secret), stored.SecretHash);
        Assert.DoesNotContain(first.Secret, stored.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ids_are_checked_and_never_taken_twice()
    {
        var administration = new ClientAdministration(new CountingStore(), TimeProvider.System);
        Assert.NotNull(await administration.AddAsync("api.v1_x-2", null, CancellationToken.None));
        Assert.Null(await administration.AddAsync("api.v1_x-2", null, CancellationToken.None));
        foreach (var bad in new[] { "", "has space", "slash/", new string('a', 65), "é" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => administration.AddAsync(bad, null, CancellationToken.None));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => administration.AddAsync("ok", "line\nbreak", CancellationToken.None));
    }
}
