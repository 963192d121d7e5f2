using System.Net;
using System.Text.Json;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Revocation;
using ServerlessAuth.TableStorage;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// The revocation feed on real Azurite, with real hosts in Replica mode: paging, partitions, the
/// purge, and what a replica does when it cannot read the feed (stale: 503 for every token; back:
/// recovers by itself). On an Azurite of this collection's own, stopped and started here.
/// </summary>
[Collection(RevocationFeedCollection.Name)]
public sealed class RevocationFeedTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan StalenessBound = TimeSpan.FromSeconds(4);

    private static readonly Dictionary<string, string> FastStaleness = new()
    {
        // Short enough that a stopped Azurite is noticed well within the staleness bound, long enough
        // for the first writes to a just-started Azurite on a busy two-core machine.
        ["AuthStorage:OperationTimeout"] = "00:00:02",
        ["Revocation:PollInterval"] = "00:00:00.200",
        ["Revocation:StalenessBound"] = "00:00:04",
    };

    private async Task<AuthHost> StartHostAsync(string? prefix = null, bool addKey = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        await azurite.StartAsync();
        return await AuthHost.StartAsync(azurite.ConnectionString,
            new AuthHostOptions { TablePrefix = prefix, AddSigningKey = addKey, Settings = settings ?? FastStaleness });
    }

    [Fact]
    public async Task A_read_follows_pages_and_partitions_and_returns_exactly_the_events_from_its_start()
    {
        await using var host = await StartHostAsync();
        var feed = new TableRevocationFeed(host.Service<AuthTables>()) { PageSize = 10 };

        // 35 events over four minutes (four partitions), the middle one on a minute boundary.
        var boundary = new DateTimeOffset(DateTimeOffset.UtcNow.Year, 1, 1, 12, 1, 0, TimeSpan.Zero);
        var events = Enumerable.Range(-17, 35)
            .Select(i => RevocationEvent.SessionEnded("user", $"session-{i + 17:D2}", boundary + TimeSpan.FromSeconds(i * 4)))
            .ToList();
        foreach (var group in events.GroupBy(e => e.PublishedAt))
        {
            await feed.PublishAsync(group.ToList(), CancellationToken.None);
        }

        Assert.Equal(4, events.Select(e => TableRevocationFeed.Partition(e.PublishedAt)).Distinct().Count());
        var all = await feed.ReadSinceAsync(events[0].PublishedAt, CancellationToken.None);
        Assert.Equal(events.Select(e => e.Id).Order(), all.Select(e => e.Id).Order());

        // From the boundary on, inclusive: the event published exactly then, and the 17 after it.
        var fromBoundary = await feed.ReadSinceAsync(boundary, CancellationToken.None);
        Assert.Equal(events.Where(e => e.PublishedAt >= boundary).Select(e => e.Id).Order(), fromBoundary.Select(e => e.Id).Order());
        Assert.Equal(18, fromBoundary.Count);
        var read = Assert.Single(fromBoundary, e => e.PublishedAt == boundary);
        Assert.Equal(("user", "session-17"), (read.Subject, read.SessionId));
    }

    [Fact]
    public async Task A_starting_instances_read_of_several_minutes_queries_each_minute_and_returns_every_event_once_in_order()
    {
        await using var host = await StartHostAsync();
        var feed = host.Service<IRevocationFeed>();
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 12)
            .Select(i => RevocationEvent.SessionEnded("user", $"session-{i:D2}", now - TimeSpan.FromSeconds(330 - i * 30)))
            .ToList();
        foreach (var e in events)
        {
            await feed.PublishAsync([e], CancellationToken.None);
        }

        // Six minutes back: the per-minute parallel path; the first event is exactly at its start. Read by a
        // feed whose storage clock has learnt nothing, so it starts at the instant given (the host's may
        // start up to a second and a half earlier, as far as its clock may be ahead of storage's).
        feed = new TableRevocationFeed(host.Service<AuthTables>());
        var read = await feed.ReadSinceAsync(events[0].PublishedAt, CancellationToken.None);

        Assert.Equal(events.Select(e => e.Id), read.Select(e => e.Id));
        var later = await feed.ReadSinceAsync(events[0].PublishedAt + TimeSpan.FromTicks(1), CancellationToken.None);
        Assert.Equal(events.Skip(1).Select(e => e.Id), later.Select(e => e.Id));
    }

    [Fact]
    public async Task An_insert_slower_than_the_late_write_limit_is_written_again_under_the_time_it_returned()
    {
        await using var host = await StartHostAsync();
        var start = DateTimeOffset.UtcNow;
        // The feed's clock: the insert is sent at the start and returns 2 s later, then every call is 1 ms apart.
        var feed = new TableRevocationFeed(host.Service<AuthTables>(), new SteppingTime(start, TimeSpan.FromSeconds(2)));
        var e = RevocationEvent.TokenRevoked("jti-slow", start.AddMinutes(5), start);

        await feed.PublishAsync([e], CancellationToken.None);

        var rows = host.Service<AuthTables>().RevocationFeed.Query<Azure.Data.Tables.TableEntity>().Select(r => r.RowKey).ToList();
        Assert.Equal(2, rows.Count(k => k.EndsWith("-" + e.Id, StringComparison.Ordinal)));
        // A read returns the event once; a short read from one tail before the time the insert returned finds the second copy.
        Assert.Equal(e, Assert.Single(await feed.ReadSinceAsync(start, CancellationToken.None)));
        var tail = host.Service<RevocationWindow>().Tail;
        Assert.Equal(e, Assert.Single(await feed.ReadSinceAsync(start + TimeSpan.FromSeconds(2) - tail, CancellationToken.None)));
    }

    [Fact]
    public async Task A_writer_whose_clock_lags_storage_is_found_by_a_short_read_on_time_and_by_one_whose_clock_is_ahead()
    {
        await using var host = await StartHostAsync();
        var tail = host.Service<RevocationWindow>().Tail;
        var (lagging, laggingTime) = FeedOnShiftedClock(host, TimeSpan.FromSeconds(-20));
        var (ahead, aheadTime) = FeedOnShiftedClock(host, TimeSpan.FromSeconds(20));
        // Their first reads teach them the storage clock (as an instance's first sync does).
        await lagging.ReadSinceAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        await ahead.ReadSinceAsync(DateTimeOffset.UtcNow, CancellationToken.None);
        var e = RevocationEvent.TokenRevoked("jti-lagging", DateTimeOffset.UtcNow.AddMinutes(5), laggingTime.GetUtcNow());

        await lagging.PublishAsync([e], CancellationToken.None);

        // On storage's clock (this machine's), one tail before now: keyed by storage time, PublishedAt as published.
        var onTime = await new TableRevocationFeed(host.Service<AuthTables>()).ReadSinceAsync(DateTimeOffset.UtcNow - tail, CancellationToken.None);
        Assert.Equal(e, Assert.Single(onTime));
        // A reader 20 s ahead of storage, one tail before its own now.
        Assert.Equal(e, Assert.Single(await ahead.ReadSinceAsync(aheadTime.GetUtcNow() - tail, CancellationToken.None)));
    }

    /// <summary>A feed over its own table client whose pipeline teaches a storage clock read on a shifted clock.</summary>
    private static (TableRevocationFeed Feed, TimeProvider Time) FeedOnShiftedClock(AuthHost host, TimeSpan shift)
    {
        var time = new ShiftedTimeProvider(shift);
        var clock = new StorageClock(time);
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(clock, Azure.Core.HttpPipelinePosition.PerRetry);
        var tables = new AuthTables(new Azure.Data.Tables.TableServiceClient(host.ConnectionString, options),
            host.Service<Microsoft.Extensions.Options.IOptions<ServerlessAuth.Storage.StorageOptions>>(), host.Service<ServerlessAuth.Telemetry.AuthMetrics>());
        return (new TableRevocationFeed(tables, time, clock), time);
    }

    private sealed class SteppingTime(DateTimeOffset start, TimeSpan firstStep) : TimeProvider
    {
        private int _calls;

        public override DateTimeOffset GetUtcNow() => ++_calls == 1 ? start : start + firstStep + TimeSpan.FromMilliseconds(_calls);
    }

    [Fact]
    public async Task Publishing_the_same_events_twice_stores_them_once()
    {
        await using var host = await StartHostAsync();
        var feed = host.Service<IRevocationFeed>();
        var now = DateTimeOffset.UtcNow;
        RevocationEvent[] events = [RevocationEvent.TokenRevoked("jti-one", now.AddMinutes(5), now), RevocationEvent.SessionEnded("u", "s", now)];

        await feed.PublishAsync(events, CancellationToken.None);
        await feed.PublishAsync(events, CancellationToken.None); // a retried publish

        var read = await feed.ReadSinceAsync(now, CancellationToken.None);
        Assert.Equal(events.Select(e => e.Id).Order(), read.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task The_purge_drops_feed_minutes_older_than_the_retention_and_keeps_the_rest()
    {
        await using var host = await StartHostAsync();
        var feed = host.Service<IRevocationFeed>();
        var retention = host.Service<RevocationWindow>().Retention;
        var now = DateTimeOffset.UtcNow;
        var old = now - retention - TimeSpan.FromMinutes(3);
        var recent = now - retention + TimeSpan.FromMinutes(1);
        await feed.PublishAsync([RevocationEvent.ServiceCutoff(old, old)], CancellationToken.None);
        await feed.PublishAsync([RevocationEvent.ServiceCutoff(recent, recent), RevocationEvent.SigningKeysChanged(recent)], CancellationToken.None);

        var result = await host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(1, result.FeedEventsDeleted);
        var left = await feed.ReadSinceAsync(old - TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.Equal(2, left.Count);
        Assert.All(left, e => Assert.Equal(recent, e.PublishedAt));
    }

    [Fact]
    public async Task A_stale_replica_answers_503_for_every_token_and_recovers_without_a_restart_when_storage_returns()
    {
        var prefix = AzuriteFixture.NewTablePrefix();
        await using var a = await StartHostAsync(prefix);
        await using var b = await StartHostAsync(prefix, addKey: false);
        var user = await a.AddUserAsync();
        var kept = await a.Api.LoginAsync(user);
        var keptToken = await a.Api.GetTokenAsync(kept.CookieValue);
        var revokedLogin = await a.Api.LoginAsync(user);
        var revoked = await a.Api.GetTokenAsync(revokedLogin.CookieValue);
        await b.Api.GetMeAsync(keptToken);
        await b.Api.GetMeAsync(revoked);
        using (var logout = await a.Api.LogoutAsync(revokedLogin.CookieValue, revoked))
        {
            await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout through A");
        }

        await b.Api.AssertRefusedWithinBoundAsync(revoked);

        await azurite.StopAsync();
        try
        {
            // Within the staleness bound B may still answer from its replica; past it, only 503.
            var outage = System.Diagnostics.Stopwatch.StartNew();
            var refusedAsStale = false;
            while (outage.Elapsed < StalenessBound + TimeSpan.FromSeconds(10))
            {
                using var revokedMe = await b.Api.MeAsync(revoked);
                Assert.NotEqual(HttpStatusCode.OK, revokedMe.StatusCode); // never accepted, stale or not
                using var keptMe = await b.Api.MeAsync(keptToken);
                if (keptMe.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    await Responses.AssertProblemAsync(keptMe, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                    Assert.NotNull(keptMe.Headers.RetryAfter);
                    refusedAsStale = true;
                    break;
                }

                Assert.Equal(HttpStatusCode.OK, keptMe.StatusCode);
                await Task.Delay(100);
            }

            Assert.True(refusedAsStale, "B kept accepting a token with no readable feed past its staleness bound.");
            using (var revokedMe = await b.Api.MeAsync(revoked))
            {
                await Responses.AssertProblemAsync(revokedMe, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
            }
        }
        finally
        {
            await azurite.StartAsync();
        }

        // In-memory Azurite comes back empty: recreate the tables, as an operator would. B was never
        // restarted; its next polls make it current again, and it still remembers the revocation.
        await a.App.EnsureTablesAsync();
        await Eventually.HoldsAsync(async () =>
        {
            using var me = await b.Api.MeAsync(keptToken);
            Assert.True(me.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/me answered {(int)me.StatusCode}");
            return me.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(15), "B to accept the kept token again");
        using (var revokedMe = await b.Api.MeAsync(revoked))
        {
            await Responses.AssertInvalidTokenAsync(revokedMe);
        }
    }

    [Fact]
    public async Task A_token_never_outlives_its_session_and_expires_in_says_so()
    {
        // Sessions of 2 minutes, tokens of 7: the token is cut to the session's end.
        await using var host = await StartHostAsync(settings: new Dictionary<string, string>(FastStaleness)
        {
            ["Auth:SessionAbsoluteLifetime"] = "00:02:00",
        });
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        using var response = await host.Api.TokenAsync(login.CookieValue);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "token");
        var body = await Responses.ReadJsonAsync(response);
        var token = body.GetProperty("access_token").GetString()!;
        var payload = Jwt.Decode(token).Payload;
        var exp = DateTimeOffset.FromUnixTimeSeconds(payload.GetProperty("exp").GetInt64());
        var iat = payload.GetProperty("iat").GetInt64();

        Assert.True(exp <= login.SessionExpiresAt.AddSeconds(1), $"exp {exp:O} passes the session's end {login.SessionExpiresAt:O}");
        Assert.True(exp - DateTimeOffset.FromUnixTimeSeconds(iat) < TestSettings.AccessTokenLifetime);
        Assert.Equal(payload.GetProperty("exp").GetInt64() - iat, body.GetProperty("expires_in").GetInt64());
        Assert.Equal(JsonValueKind.Number, payload.GetProperty("auth_time").ValueKind);
        Assert.True(payload.GetProperty("auth_time").GetInt64() <= iat);
    }
}
