using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.FeedSimulation;

public enum FeedDesign
{
    /// <summary>Every poll reads the whole overlap behind the previous one; inserts are written once.</summary>
    Today,

    /// <summary>Short reads (tail), a full read every <see cref="RevocationWindow.FullReadInterval"/>, slow inserts stamped again, stamps and cursors on the storage clock.</summary>
    Changed,
}

/// <param name="LaggingShare">Share of revocations published by a writer whose clock lags by the whole <see cref="AuthOptions.ClockSkew"/>.</param>
/// <param name="ClockSpread">Every instance's clock is off by a uniform draw within plus or minus this.</param>
public sealed record Scenario(FeedDesign Design, int Instances, double RevocationsPerSecond, int Seconds = 60, int Seed = 1,
    double LaggingShare = 0, double ClockSpreadMs = 100, int? WarmUpSeconds = null);

public sealed record RunResult(Scenario Scenario, long PartitionPeak, double PartitionMean, long AccountPeak, double AccountMean,
    double SecondsOverTarget, double QueriesPerSecond, double EntitiesPerQuery, double P50, double P99, double Max,
    long Refusals, long Missed, long SecondStamps, TimeSpan Cpu, long Queries, long EntitiesRead, long ReadTransactions, long Published);

/// <summary>
/// N instances, each with the real <see cref="RevocationFeedFollower"/> and <see cref="RevocationReplica"/>
/// on its own (slightly wrong) clock, polling the modelled table on the ExecuteAsync schedule (every
/// poll interval from the previous poll's start); writers publish token revocations as a Poisson
/// process. Propagation is publish (start of the insert) to the first poll after which the instance's
/// replica refuses the token.
/// </summary>
public static class FeedRun
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public static RunResult Simulate(Scenario s)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var random = new Random(s.Seed);
        var clock = new VirtualClock(Start);
        var model = new TableServiceModel(clock, new LatencyModel(s.Seed));
        var auth = Options.Create(new AuthOptions());
        var storage = Options.Create(new StorageOptions());
        var revocation = Options.Create(new RevocationOptions());
        var window = new RevocationWindow(auth, storage)
        {
            FullReadInterval = s.Design == FeedDesign.Today ? TimeSpan.Zero : new RevocationWindow(auth, storage).FullReadInterval,
        };

        // Count once every instance has done its first full reads and the re-read windows are full of events.
        var warmUp = s.WarmUpSeconds is { } w ? TimeSpan.FromSeconds(w) : window.RereadHorizon + TimeSpan.FromSeconds(5);
        model.CountFrom = Start + warmUp;
        model.CountUntil = model.CountFrom + TimeSpan.FromSeconds(s.Seconds);
        var end = model.CountUntil + window.FullReadInterval + TimeSpan.FromSeconds(5);

        var instances = new Instance[s.Instances];
        for (var i = 0; i < instances.Length; i++)
        {
            var offset = TimeSpan.FromMilliseconds((random.NextDouble() * 2 - 1) * s.ClockSpreadMs);
            var time = new InstanceClock(clock, offset);
            // Changed design, as StorageClock: the instance's estimate of storage minus its clock is low by up to the
            // Date header's second plus a round trip (drawn once per instance; the model's clock is storage's).
            var estimate = s.Design == FeedDesign.Changed ? -offset - StorageClockError() : TimeSpan.Zero;
            var replica = new RevocationReplica(window, revocation, auth, time);
            var follower = new RevocationFeedFollower(new ModelReader(model, Positive(-estimate)), replica, window, NoKeys.Instance, revocation, time,
                NullLogger<RevocationFeedFollower>.Instance) { FullReadPhase = random.NextDouble() };
            instances[i] = new Instance(time, replica, follower, Positive(estimate));
        }

        var published = new List<(DateTimeOffset At, AccessTokenClaims Claims)>();
        var delays = new List<double>();
        long secondStamps = 0;
        long publishedTotal = 0;
        long sequence = 0;

        foreach (var instance in instances)
        {
            clock.At(Start + TimeSpan.FromSeconds(random.NextDouble()), () => Poll(instance));
        }

        clock.At(Start + Exponential(), Publish);
        clock.RunUntil(end);

        delays.Sort();
        var (peak, mean, accountPeak, accountMean, over) = model.Load(s.Seconds);
        return new RunResult(s, peak, mean, accountPeak, accountMean, over, model.Queries / (double)s.Seconds,
            model.Queries == 0 ? 0 : model.EntitiesRead / (double)model.Queries,
            Percentile(delays, 0.50), Percentile(delays, 0.99), delays.Count == 0 ? 0 : delays[^1],
            delays.Count, instances.Sum(i => (long)i.Pending.Count), secondStamps,
            Process.GetCurrentProcess().TotalProcessorTime - cpu, model.Queries, model.EntitiesRead, model.ReadTransactions, publishedTotal);

        TimeSpan StorageClockError() => StorageClock.Resolution * random.NextDouble() + TimeSpan.FromMilliseconds(8);

        static TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : TimeSpan.Zero;

        TimeSpan Exponential() => TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / s.RevocationsPerSecond);

        void Publish()
        {
            var now = clock.Now;
            var writer = instances[random.Next(instances.Length)];
            var lagging = random.NextDouble() < s.LaggingShare;
            var writerNow = lagging ? now - auth.Value.ClockSkew : writer.Clock.GetUtcNow();
            // As TableRevocationFeed: the stamp is moved on by as much as the writer's clock lags storage.
            var behind = !lagging ? writer.Behind
                : s.Design == FeedDesign.Changed ? Positive(auth.Value.ClockSkew - StorageClockError()) : TimeSpan.Zero;
            var jti = $"jti-{sequence++}";
            if (now >= model.CountFrom && now < model.CountUntil)
            {
                publishedTotal++;
            }

            var e = RevocationEvent.TokenRevoked(jti, writerNow + TimeSpan.FromMinutes(1), writerNow);
            if (now >= model.CountFrom && now < model.CountUntil)
            {
                var index = published.Count;
                published.Add((now, new AccessTokenClaims("user", "user", "session", jti, writerNow, writerNow + TimeSpan.FromMinutes(1), "key", writerNow)));
                foreach (var instance in instances)
                {
                    instance.Pending.Add(index);
                }
            }

            Insert(e, writerNow + behind, 1);
            clock.At(now + Exponential(), Publish);
        }

        // As TableRevocationFeed: an insert that took longer than LateWrite is written again under the time it returned.
        void Insert(RevocationEvent e, DateTimeOffset stamp, int attempt) =>
            model.Insert([e], stamp, took =>
            {
                if (s.Design == FeedDesign.Changed && took > RevocationWindow.LateWrite && attempt < 3)
                {
                    secondStamps++;
                    Insert(e, stamp + took, attempt + 1);
                }
            });

        void Poll(Instance instance)
        {
            var started = instance.Clock.GetUtcNow();
            instance.Follower.PollOnceAsync(CancellationToken.None).ContinueWith(_ =>
            {
                Refusals(instance);
                var wait = started + revocation.Value.PollInterval - instance.Clock.GetUtcNow();
                clock.At(clock.Now + (wait > TimeSpan.Zero ? wait : TimeSpan.Zero), () => Poll(instance));
            }, TaskContinuationOptions.ExecuteSynchronously);
        }

        void Refusals(Instance instance)
        {
            var pending = instance.Pending;
            for (var i = pending.Count - 1; i >= 0; i--)
            {
                var (at, claims) = published[pending[i]];
                if (instance.Replica.Check(claims, out _) == ReplicaAnswer.Refuse)
                {
                    delays.Add((clock.Now - at).TotalMilliseconds);
                    pending[i] = pending[^1];
                    pending.RemoveAt(pending.Count - 1);
                }
            }
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private sealed record Instance(InstanceClock Clock, RevocationReplica Replica, RevocationFeedFollower Follower, TimeSpan Behind)
    {
        public List<int> Pending { get; } = [];
    }

    /// <summary>As TableRevocationFeed: a read starts as much earlier as the reader's clock may be ahead of storage.</summary>
    private sealed class ModelReader(TableServiceModel model, TimeSpan ahead) : IRevocationFeedReader
    {
        public Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken) => model.Query(from - ahead);
    }

    private sealed class NoKeys : ISigningKeyRefresh
    {
        public static readonly NoKeys Instance = new();

        public void RequestRefresh()
        {
        }
    }
}
