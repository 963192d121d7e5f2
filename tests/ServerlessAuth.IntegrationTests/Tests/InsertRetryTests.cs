using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Audit;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Sessions;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// An insert whose first attempt lands but whose answer is lost (under load: the network timeout fires while
/// the continuation waits for a core) is retried by the SDK and gets 409. On real Azurite, with the answer
/// dropped by a pipeline policy: the store recognises its own row and reports success; a row of someone
/// else's with the same key is still a failure.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class InsertRetryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private readonly LoseFirstAnswer _lose = new();
    private AuthTables _tables = null!;
    private ServiceProvider _metrics = null!;

    public async Task InitializeAsync()
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.AddPolicy(_lose, HttpPipelinePosition.PerRetry);
        _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _tables = new AuthTables(
            new TableServiceClient(azurite.ConnectionString, options),
            Options.Create(new StorageOptions { TablePrefix = AzuriteFixture.NewTablePrefix() }),
            new AuthMetrics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        await _tables.CreateAllAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _metrics.DisposeAsync();

    private static Session NewSession(string? id = null, byte[]? secretHash = null) => new()
    {
        UserId = Guid.NewGuid().ToString("N"),
        Id = id ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
        SecretHash = secretHash ?? SHA256.HashData(RandomNumberGenerator.GetBytes(32)),
        CreatedAt = Now,
        LastSeenAt = Now,
        ExpiresAt = Now.AddHours(1),
    };

    [Fact]
    public async Task A_session_insert_whose_retry_finds_its_own_row_succeeds()
    {
        var store = new TableSessionStore(_tables);
        var session = NewSession();
        _lose.Arm(_tables.Sessions.Name);

        await store.CreateAsync(session, CancellationToken.None);

        Assert.Equal(2, _lose.Attempts);
        var stored = await store.FindAsync(session.UserId, session.Id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(session.SecretHash, stored.SecretHash);
    }

    [Fact]
    public async Task A_session_insert_that_finds_another_secret_under_its_key_fails()
    {
        var store = new TableSessionStore(_tables);
        var first = NewSession();
        await store.CreateAsync(first, CancellationToken.None);
        var clash = first with { SecretHash = SHA256.HashData(RandomNumberGenerator.GetBytes(32)) };

        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.CreateAsync(clash, CancellationToken.None));

        Assert.Contains("409", failure.Message);
        Assert.Equal(first.SecretHash, (await store.FindAsync(first.UserId, first.Id, CancellationToken.None))!.SecretHash);
    }

    [Fact]
    public async Task A_session_insert_whose_lost_answer_hid_a_clash_still_fails()
    {
        var store = new TableSessionStore(_tables);
        var first = NewSession();
        await store.CreateAsync(first, CancellationToken.None);
        _lose.Arm(_tables.Sessions.Name);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.CreateAsync(first with { SecretHash = new byte[32] }, CancellationToken.None));
    }

    [Fact]
    public async Task An_audit_insert_whose_retry_finds_its_own_row_succeeds_once()
    {
        var store = new TableAuditStore(_tables);
        var at = DateTimeOffset.UtcNow;
        _lose.Arm(_tables.Audit.Name);

        await store.AppendAsync(new AuditEvent(AuditKind.LoginSucceeded, at, "user-1", "127.0.0.1", "tests", "ok", null), CancellationToken.None);

        Assert.Equal(2, _lose.Attempts);
        var rows = await store.ListSinceAsync(at.AddSeconds(-1), CancellationToken.None);
        Assert.Single(rows, e => e.UserId == "user-1");
    }

    /// <summary>Lets the first insert into one table reach storage, then throws away its answer as a lost connection would.</summary>
    private sealed class LoseFirstAnswer : HttpPipelinePolicy
    {
        private string? _table;
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public void Arm(string table)
        {
            _table = table;
            Volatile.Write(ref _attempts, 0);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            LoseIfFirst(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            LoseIfFirst(message);
        }

        private void LoseIfFirst(HttpMessage message)
        {
            if (_table is { } table && message.Request.Method == RequestMethod.Post
                && message.Request.Uri.Path.EndsWith("/" + table, StringComparison.Ordinal)
                && Interlocked.Increment(ref _attempts) == 1)
            {
                throw new IOException("The answer to the first insert was lost.");
            }
        }
    }
}
