using System.Globalization;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary>
/// <see cref="ExpiredRecordPurger"/> from a real host's services against Azurite. The host's clock is the
/// system clock, so rows are written through the stores with instants in the past. Each test has a
/// prefix of its own, so the purge's counts are exactly its rows.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ExpiredRecordPurgerTests(AzuriteFixture azurite)
{
    private static string Bucket(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Deletes_whole_denylist_partitions_of_tokens_expired_over_an_hour_plus_skew_ago_and_keeps_current_ones()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var rows = new StoredRows(scenario.Host);
        var now = DateTimeOffset.UtcNow;
        var skew = rows.Options.ClockSkew;

        // Expired long enough: one partition larger than a table transaction (100), and two more.
        var threeHoursAgo = now - TimeSpan.FromHours(3);
        var busyHour = new DateTimeOffset(threeHoursAgo.Year, threeHoursAgo.Month, threeHoursAgo.Day, threeHoursAgo.Hour, 30, 0, TimeSpan.Zero);
        var old = new List<(string Id, DateTimeOffset ExpiresAt)>();
        for (var i = 0; i < 130; i++)
        {
            var expiresAt = busyHour.AddSeconds(-i);
            old.Add((await rows.RevokeAsync(expiresAt), expiresAt));
        }

        Assert.True(old.GroupBy(o => Bucket(o.ExpiresAt)).Max(g => g.Count()) > 100, "One partition should need more than one delete transaction.");
        foreach (var expiresAt in new[] { now - TimeSpan.FromDays(2), now - TimeSpan.FromHours(1) - skew - TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1) })
        {
            old.Add((await rows.RevokeAsync(expiresAt), expiresAt));
        }

        // Tokens still valid, or expired so recently that their hour (plus skew) has not passed.
        var current = new List<(string Id, DateTimeOffset ExpiresAt)>();
        foreach (var expiresAt in new[] { now + TimeSpan.FromMinutes(7), now - TimeSpan.FromMinutes(10), now - TimeSpan.FromMinutes(55) })
        {
            current.Add((await rows.RevokeAsync(expiresAt), expiresAt));
        }

        // A real token, revoked as logout does (feed event, then denylist) without ending its session:
        // only the revocation refuses it.
        var user = await scenario.Host.AddUserAsync();
        var session = await AdminHttp.LoginAsync(scenario.Api, user.Username, TestSettings.Password);
        var payload = Jwt.Decode(session.AccessToken).Payload;
        var realExpiry = DateTimeOffset.FromUnixTimeSeconds(payload.GetProperty("exp").GetInt64());
        var jti = payload.GetProperty("jti").GetString()!;
        await scenario.Host.Service<Revocation.IRevocationFeed>().PublishAsync(
            [Revocation.RevocationEvent.TokenRevoked(jti, realExpiry, DateTimeOffset.UtcNow)], CancellationToken.None);
        await scenario.Host.Service<Revocation.IRevokedTokenStore>().RevokeAsync(jti, realExpiry, CancellationToken.None);
        await AdminHttp.AssertTokenRefusedAsync(scenario.Api, session.AccessToken);

        var result = await scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(old.Count, result.RevokedTokensDeleted);
        var left = await StoredRows.KeysAsync(rows.Tables.RevokedTokens);
        Assert.Equal(current.Count + 1, left.Sum(p => p.Value.Count));
        Assert.DoesNotContain(left.Keys, bucket => old.Any(o => Bucket(o.ExpiresAt) == bucket));
        foreach (var (id, expiresAt) in current)
        {
            Assert.True(await rows.IsRevokedAsync(id, expiresAt), $"The entry of a token expiring at {expiresAt:O} was purged at {now:O}.");
        }

        await AdminHttp.AssertTokenRefusedAsync(scenario.Api, session.AccessToken);
        await scenario.Api.GetTokenAsync(session.CookieValue);

        // Nothing more to do on a second run.
        Assert.Equal(0, (await scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None)).RevokedTokensDeleted);
    }

    [Fact]
    public async Task Deletes_sessions_past_their_absolute_end_or_idle_timeout_and_keeps_live_ones()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var rows = new StoredRows(scenario.Host);
        var now = DateTimeOffset.UtcNow;
        var idle = rows.Options.SessionIdleTimeout;
        var userId = Users.UserAccount.NewId();

        var expired = new[]
        {
            // Past the absolute end, though recently active.
            await rows.AddSessionAsync(now - TimeSpan.FromHours(4), now - TimeSpan.FromMinutes(1), now - TimeSpan.FromMinutes(1), userId),
            // Idle too long, though the absolute end is ahead.
            await rows.AddSessionAsync(now - idle - TimeSpan.FromMinutes(10), now - idle - TimeSpan.FromMinutes(2), now + TimeSpan.FromHours(1), userId),
            // Both, for another user.
            await rows.AddSessionAsync(now - TimeSpan.FromDays(3), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(1)),
        };
        var live = new[]
        {
            await rows.AddSessionAsync(now - TimeSpan.FromMinutes(5), now - TimeSpan.FromMinutes(1), now + TimeSpan.FromHours(2), userId),
            // Close to, but within, the idle timeout and the absolute end.
            await rows.AddSessionAsync(now - idle, now - idle + TimeSpan.FromMinutes(3), now + TimeSpan.FromMinutes(3)),
        };
        var user = await scenario.Host.AddUserAsync();
        var loggedIn = await AdminHttp.LoginAsync(scenario.Api, user.Username, TestSettings.Password);

        var result = await scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(expired.Length, result.SessionsDeleted);
        foreach (var session in expired)
        {
            Assert.False(await rows.SessionExistsAsync(session), $"Expired session {session.Id} (last seen {session.LastSeenAt:O}, ends {session.ExpiresAt:O}) was kept at {now:O}.");
        }

        foreach (var session in live)
        {
            Assert.True(await rows.SessionExistsAsync(session), $"Live session {session.Id} (last seen {session.LastSeenAt:O}, ends {session.ExpiresAt:O}) was purged at {now:O}.");
        }

        Assert.Equal(live.Length + 1, await StoredRows.CountAsync(rows.Tables.Sessions));
        await AdminHttp.AssertSessionWorksAsync(scenario.Api, loggedIn);
    }

    [Fact]
    public async Task Deletes_failed_login_counters_older_than_a_day_plus_the_longest_lock_and_keeps_recent_ones()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var rows = new StoredRows(scenario.Host);
        var now = DateTimeOffset.UtcNow;
        var forgotten = TimeSpan.FromDays(1) + rows.Options.LockoutMaxDuration;

        var stale = new[]
        {
            await rows.AddLoginFailuresAsync(9, now - forgotten - TimeSpan.FromMinutes(1), now - forgotten - TimeSpan.FromMinutes(1) + rows.Options.LockoutMaxDuration),
            await rows.AddLoginFailuresAsync(1, now - TimeSpan.FromDays(30)),
        };
        var kept = new[]
        {
            await rows.AddLoginFailuresAsync(2, now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(5)),
            await rows.AddLoginFailuresAsync(3, now - forgotten + TimeSpan.FromMinutes(5)),
        };

        // A name locked right now stays locked after the purge.
        var user = await scenario.Host.AddUserAsync();
        await rows.AddLoginFailuresAsync(5, now - TimeSpan.FromSeconds(5), now + TimeSpan.FromMinutes(10), user.NormalizedUsername);

        var result = await scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(stale.Length, result.LoginFailuresDeleted);
        foreach (var name in stale)
        {
            Assert.Null(await rows.LoginFailuresAsync(name));
        }

        foreach (var name in kept)
        {
            Assert.NotNull(await rows.LoginFailuresAsync(name));
        }

        Assert.Equal(kept.Length + 1, await StoredRows.CountAsync(rows.Tables.LoginFailures));
        using var locked = await scenario.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        await Responses.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, "too_many_attempts");
    }

    /// <summary>
    /// Logout ends expired sessions too, and a CLI purge may overlap the hourly one: a row the purge has
    /// just found may be gone when its delete batch arrives. That row needs no deleting any more; the
    /// purge should neither fail nor leave the rest of the batch and the later tables undone.
    /// </summary>
    [Fact]
    public async Task A_row_deleted_by_someone_else_after_the_purge_found_it_does_not_abort_the_purge()
    {
        var interception = new BeforeFirstBatch();
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true, interception.AddTo);
        var rows = new StoredRows(scenario.Host);
        var now = DateTimeOffset.UtcNow;
        var userId = Users.UserAccount.NewId();
        var goneMeanwhile = await rows.AddSessionAsync(now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(1), userId);
        var sameBatch = await rows.AddSessionAsync(now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(1), userId);
        var staleFailures = await rows.AddLoginFailuresAsync(1, now - TimeSpan.FromDays(30));
        interception.Arm(() => rows.Tables.Sessions.DeleteEntityAsync(goneMeanwhile.UserId, goneMeanwhile.Id));

        var purge = await Record.ExceptionAsync(() => scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None));

        Assert.True(interception.Fired, "The purge sent no batch.");
        Assert.True(purge is null, $"The purge failed because one row had already gone: {purge}");
        Assert.False(await rows.SessionExistsAsync(sameBatch), "The other expired session of the batch was kept.");
        Assert.Null(await rows.LoginFailuresAsync(staleFailures));
    }

    [Fact]
    public async Task Admin_cli_purge_runs_the_purge_and_reports_what_it_deleted()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var rows = new StoredRows(scenario.Host);
        var now = DateTimeOffset.UtcNow;
        await rows.RevokeAsync(now - TimeSpan.FromHours(5));
        await rows.RevokeAsync(now - TimeSpan.FromHours(6));
        await rows.RevokeAsync(now + TimeSpan.FromMinutes(5));
        await rows.AddSessionAsync(now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(2), now - TimeSpan.FromDays(1));
        await rows.AddSessionAsync(now, now, now + TimeSpan.FromHours(1));
        await rows.AddLoginFailuresAsync(4, now - TimeSpan.FromDays(3));

        var run = (await scenario.Cli.RunAsync("purge")).AssertSucceeded();

        Assert.Contains("Deleted 2 revoked-token entries, 1 expired sessions and 1 stale failed-login counters.", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, await StoredRows.CountAsync(rows.Tables.RevokedTokens));
        Assert.Equal(1, await StoredRows.CountAsync(rows.Tables.Sessions));
        Assert.Equal(0, await StoredRows.CountAsync(rows.Tables.LoginFailures));

        var again = (await scenario.Cli.RunAsync("purge")).AssertSucceeded();
        Assert.Contains("Deleted 0 revoked-token entries, 0 expired sessions and 0 stale failed-login counters.", again.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deletes_whole_audit_days_older_than_the_retention_and_keeps_the_rest()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var store = scenario.Host.Service<Audit.IAuditStore>();
        var retention = scenario.Host.Service<Microsoft.Extensions.Options.IOptions<Audit.AuditOptions>>().Value.Retention;
        var now = DateTimeOffset.UtcNow;
        Audit.AuditEvent At(DateTimeOffset at) => new(Audit.AuditKind.UserAdded, at, "u", null, "serverlessauth-admin", "ok", null);

        // Two days wholly older than the retention; the day the retention ends in and later ones stay.
        foreach (var at in new[] { now - retention - TimeSpan.FromDays(2), now - retention - TimeSpan.FromDays(1), now - retention, now - retention + TimeSpan.FromDays(1), now })
        {
            await store.AppendAsync(At(at), CancellationToken.None);
        }

        var result = await scenario.Host.Service<ExpiredRecordPurger>().PurgeAsync(CancellationToken.None);

        Assert.Equal(2, result.AuditRecordsDeleted);
        var left = await StoredRows.KeysAsync(scenario.Host.Service<AuthTables>().Audit);
        Assert.Equal(
            new[] { now - retention, now - retention + TimeSpan.FromDays(1), now }.Select(TableAuditStore.Partition).Distinct().Order(),
            left.Keys.Order());
        Assert.Contains("Deleted 0 audit records", (await scenario.Cli.RunAsync("purge")).AssertSucceeded().StandardOutput, StringComparison.Ordinal);
    }
}
