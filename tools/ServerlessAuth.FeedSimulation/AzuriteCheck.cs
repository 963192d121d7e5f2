using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.FeedSimulation;

/// <summary>
/// The model against the real thing at a size Azurite serves: N real followers (their own
/// ExecuteAsync loops on the system clock) on the real <see cref="TableRevocationFeed"/>, a writer
/// publishing at the same rate, counted by a reader wrapper (queries, entities) and a pipeline policy
/// (requests, i.e. transactions); then the model run of the same scenario from the same empty start.
/// </summary>
public static class AzuriteCheck
{
    public static async Task<string> RunAsync(string connectionString, FeedDesign design, int instances, double rate, int seconds)
    {
        var requests = new RequestCounter();
        var clientOptions = new TableClientOptions();
        clientOptions.AddPolicy(requests, HttpPipelinePosition.PerRetry);
        // As the hosts: the feed's stamps and cursors on the storage clock learnt from the responses.
        var storageClock = new StorageClock(TimeProvider.System);
        clientOptions.AddPolicy(storageClock, HttpPipelinePosition.PerRetry);
        var storage = Options.Create(new StorageOptions { TablePrefix = $"sim{Environment.ProcessId}{design}".ToLowerInvariant() });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var tables = new AuthTables(new TableServiceClient(connectionString, clientOptions), storage, new AuthMetrics(meters));
        await tables.CreateAllAsync(CancellationToken.None);
        var feed = new TableRevocationFeed(tables, clock: storageClock);
        var counting = new CountingReader(feed);

        var auth = Options.Create(new AuthOptions());
        var revocation = Options.Create(new RevocationOptions());
        var window = new RevocationWindow(auth, storage)
        {
            FullReadInterval = design == FeedDesign.Today ? TimeSpan.Zero : new RevocationWindow(auth, storage).FullReadInterval,
        };
        var random = new Random(1);
        var followers = Enumerable.Range(0, instances).Select(_ => new RevocationFeedFollower(counting,
            new RevocationReplica(window, revocation, auth, TimeProvider.System), window, NoRefresh.Instance, revocation,
            TimeProvider.System, NullLogger<RevocationFeedFollower>.Instance) { FullReadPhase = random.NextDouble() }).ToList();

        requests.Reset();
        foreach (var follower in followers)
        {
            await follower.StartAsync(CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(1.0 / instances));
        }

        var end = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(seconds) - TimeSpan.FromSeconds(1);
        long published = 0;
        while (DateTimeOffset.UtcNow < end)
        {
            var now = DateTimeOffset.UtcNow;
            await feed.PublishAsync([RevocationEvent.TokenRevoked($"jti-{published++}", now.AddMinutes(1), now)], CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(1 / rate));
        }

        foreach (var follower in followers)
        {
            await follower.StopAsync(CancellationToken.None);
        }

        var model = FeedRun.Simulate(new Scenario(design, instances, rate, seconds, WarmUpSeconds: 0));
        return string.Join(Environment.NewLine,
            "| " + design.ToString().ToLowerInvariant() + $", {instances} followers, {rate} revocations/s, {seconds} s | queries | entities read | read requests (transactions) | events published | entities read per event published |",
            "|---|---|---|---|---|---|",
            $"| Azurite | {counting.Queries} | {counting.Entities} | {requests.Reads} | {published} | {counting.Entities / (double)Math.Max(1, published):0.0} |",
            $"| model | {model.Queries} | {model.EntitiesRead} | {model.ReadTransactions} | {model.Published} | {model.EntitiesRead / (double)Math.Max(1, model.Published):0.0} |");
    }

    /// <summary>Token revocations spread over the last 10 minutes (inside every window), 100 per transaction.</summary>
    public static async Task<string> PopulateAsync(string connectionString, string prefix, int events)
    {
        var storage = Options.Create(new StorageOptions { TablePrefix = prefix });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var tables = new AuthTables(new TableServiceClient(connectionString), storage, new AuthMetrics(meters));
        await tables.CreateAllAsync(CancellationToken.None);
        var feed = new TableRevocationFeed(tables);
        var now = DateTimeOffset.UtcNow;
        const int PerBatch = 100;
        for (var batch = 0; batch * PerBatch < events; batch++)
        {
            var at = now - TimeSpan.FromMinutes(10) * (1 - batch * PerBatch / (double)events);
            var count = Math.Min(PerBatch, events - batch * PerBatch);
            await feed.PublishAsync([.. Enumerable.Range(0, count).Select(i => RevocationEvent.TokenRevoked($"populated-{batch}-{i}", now.AddMinutes(10), at))],
                CancellationToken.None);
        }

        return $"{events} events published over the last 10 minutes";
    }

    /// <summary>
    /// A starting instance's first read of a populated window, timed: one range query (pages in
    /// sequence) against one query per minute partition in parallel, alternating, <paramref name="runs"/> each.
    /// </summary>
    public static async Task<string> FirstSyncAsync(string connectionString, int events, int runs)
    {
        var prefix = $"sync{Environment.ProcessId}";
        await PopulateAsync(connectionString, prefix, events);
        var storage = Options.Create(new StorageOptions { TablePrefix = prefix });
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var tables = new AuthTables(new TableServiceClient(connectionString), storage, new AuthMetrics(meters));
        var window = new RevocationWindow(Options.Create(new AuthOptions()), storage);
        var sequential = new TableRevocationFeed(tables) { ParallelFrom = TimeSpan.MaxValue };
        var parallel = new TableRevocationFeed(tables);
        var times = new Dictionary<string, List<double>> { ["one range query"] = [], ["per minute, in parallel"] = [] };
        for (var run = 0; run <= runs; run++)
        {
            foreach (var (name, feed) in new[] { ("one range query", sequential), ("per minute, in parallel", parallel) })
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var read = await feed.ReadSinceAsync(DateTimeOffset.UtcNow - window.Retention, CancellationToken.None);
                var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (read.Count != events)
                {
                    throw new InvalidOperationException($"{name} read {read.Count} events, not {events}.");
                }

                if (run > 0)
                {
                    times[name].Add(ms); // run 0 warms the connection and the JIT
                }
            }
        }

        return "| first sync of " + events + " events | runs | median (ms) | min (ms) | max (ms) |" + Environment.NewLine + "|---|---|---|---|---|"
            + string.Concat(times.Select(t => Environment.NewLine + string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"| {t.Key} | {t.Value.Count} | {t.Value.Order().ElementAt(t.Value.Count / 2):0} | {t.Value.Min():0} | {t.Value.Max():0} |")));
    }

    private sealed class CountingReader(IRevocationFeedReader inner) : IRevocationFeedReader
    {
        private long _queries;
        private long _entities;

        public long Queries => Interlocked.Read(ref _queries);

        public long Entities => Interlocked.Read(ref _entities);

        public async Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken)
        {
            var events = await inner.ReadSinceAsync(from, cancellationToken);
            Interlocked.Increment(ref _queries);
            Interlocked.Add(ref _entities, events.Count);
            return events;
        }
    }

    // Every request the SDK sends for a feed query (one per page or partition) is one transaction.
    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        private long _reads;

        public long Reads => Interlocked.Read(ref _reads);

        public void Reset() => Interlocked.Exchange(ref _reads, 0);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.Contains("RevocationFeed", StringComparison.OrdinalIgnoreCase))
            {
                Interlocked.Increment(ref _reads);
            }
        }
    }

    private sealed class NoRefresh : ISigningKeyRefresh
    {
        public static readonly NoRefresh Instance = new();

        public void RequestRefresh()
        {
        }
    }
}
