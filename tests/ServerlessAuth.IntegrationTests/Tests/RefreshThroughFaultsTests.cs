using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Sessions;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Refreshes while storage freezes, on an Azurite of this collection's own that is suspended and resumed
/// (data kept): the rotation writes are on their way when it freezes, so the instance gives up after its
/// storage timeout and answers 503, and storage carries the writes out once it resumes. The host runs with
/// the defaults that matter: storage timeout 5 s, Retry-After 5 s, grace window 30 s.
/// </summary>
[Collection(FreezeCollection.Name)]
public sealed class RefreshThroughFaultsTests(AzuriteFixture azurite)
{
    private const int Clients = 20;

    [Fact]
    public async Task A_storage_freeze_during_the_rotation_writes_logs_nobody_out_and_every_retry_after_Retry_After_succeeds()
    {
        var gate = new FreezeBeforeRotations(Clients, azurite);
        await using var host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions
        {
            Configure = builder => builder.Services.AddSingleton<ISessionStore>(sp =>
                new GatedSessionStore(ActivatorUtilities.CreateInstance<TableSessionStore>(sp), gate)),
        });
        var logins = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ => await host.Api.LoginForTokensAsync(await host.AddUserAsync())));

        // Every client refreshes; storage freezes once all their rotation writes are about to be sent.
        gate.Arm();
        TimeSpan[] retryAfters;
        try
        {
            retryAfters = await Task.WhenAll(logins.Select(async login =>
            {
                using var response = await host.Api.RefreshRawAsync(login.RefreshToken);
                await Responses.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                return response.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("A 503 without Retry-After.");
            }));
        }
        finally
        {
            gate.Disarm();
            await azurite.ThawAsync();
        }

        Assert.True(gate.Froze);
        // The control: the writes the instance gave up on were carried out once storage resumed (so the spent
        // token is already spent when the client retries). Azurite does so for every one of them.
        await Eventually.HoldsAsync(async () => await CountRotatedAsync(host, logins) > 0, TimeSpan.FromSeconds(10),
            "storage carries out the rotation writes queued while it was frozen", TimeSpan.FromMilliseconds(100));

        // Each client waits what its 503 asked, then retries with the only refresh token it holds.
        var retried = await Task.WhenAll(logins.Zip(retryAfters).Select(async pair =>
        {
            await Task.Delay(pair.Second);
            return await host.Api.RefreshAsync(pair.First.RefreshToken);
        }));

        // Nobody was logged out: the sessions live, their tokens work, and the next refresh is an ordinary one.
        foreach (var (login, pair) in logins.Zip(retried))
        {
            await host.Api.GetMeAsync(login.AccessToken);
            await host.Api.GetMeAsync(pair.AccessToken);
            var next = await host.Api.RefreshAsync(pair.RefreshToken);
            await host.Api.GetMeAsync(next.AccessToken);
        }
    }

    private static async Task<int> CountRotatedAsync(AuthHost host, IEnumerable<TokenPair> logins)
    {
        var store = host.Service<ISessionStore>();
        var rotated = 0;
        foreach (var login in logins)
        {
            var ids = login.RefreshToken.Split('.');
            if ((await store.FindAsync(ids[0], ids[1], CancellationToken.None))?.PreviousSecretHash is not null)
            {
                rotated++;
            }
        }

        return rotated;
    }

    /// <summary>
    /// Holds each rotation write until <c>arrivals</c> of them wait (or a bound passes, should a client's
    /// read have failed first), freezes Azurite, then lets them all go to the frozen storage.
    /// </summary>
    private sealed class FreezeBeforeRotations(int arrivals, AzuriteFixture azurite)
    {
        private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lazy<Task> _freeze = new(azurite.FreezeAsync);
        private volatile bool _armed;
        private int _arrived;

        public bool Froze => _freeze.IsValueCreated && _freeze.Value.IsCompletedSuccessfully;

        public void Arm() => _armed = true;

        public void Disarm() => _armed = false;

        public async Task BeforeRotationAsync()
        {
            if (!_armed)
            {
                return;
            }

            if (Interlocked.Increment(ref _arrived) >= arrivals)
            {
                _allArrived.TrySetResult();
            }

            await Task.WhenAny(_allArrived.Task, Task.Delay(TimeSpan.FromSeconds(15)));
            await _freeze.Value;
        }
    }

    /// <summary>The real table store, with <see cref="FreezeBeforeRotations"/> in front of its conditional replace.</summary>
    private sealed class GatedSessionStore(ISessionStore inner, FreezeBeforeRotations gate) : ISessionStore
    {
        public Task CreateAsync(Session session, CancellationToken cancellationToken) => inner.CreateAsync(session, cancellationToken);

        public Task<Session?> FindAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
            inner.FindAsync(userId, sessionId, cancellationToken);

        public Task TouchAsync(string userId, string sessionId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken) =>
            inner.TouchAsync(userId, sessionId, lastSeenAt, cancellationToken);

        public async Task<bool> ReplaceIfUnchangedAsync(Session expected, Session replacement, CancellationToken cancellationToken)
        {
            await gate.BeforeRotationAsync();
            return await inner.ReplaceIfUnchangedAsync(expected, replacement, cancellationToken);
        }

        public Task<bool> DeleteAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
            inner.DeleteAsync(userId, sessionId, cancellationToken);

        public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
            inner.ListAsync(userId, cancellationToken);

        public Task<IReadOnlyList<Session>> ListCreatedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
            inner.ListCreatedSinceAsync(since, cancellationToken);
    }
}
