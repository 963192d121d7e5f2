using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using ServerlessAuth.Audit;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>Low limits so that one test can provoke a lockout and a throttled login; no grace window, so reuse needs no wait.</summary>
public sealed class AuditHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    public const int AttemptsPerMinute = 30;

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:LockoutThreshold"] = "2",
        ["Auth:LoginAttemptsPerMinute"] = AttemptsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth:RefreshReuseGraceWindow"] = "00:00:00",
    };
}

/// <summary>Every security event of the HTTP API leaves an audit row (and the rows hold no secret).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuditTests(AuditHostFixture fixture, AzuriteFixture azurite) : IClassFixture<AuditHostFixture>
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Each_http_event_kind_is_recorded_with_user_client_agent_and_outcome_and_no_secret()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);
        var user = await fixture.Host.AddUserAsync();
        var secrets = new List<string> { TestSettings.Password, "wrong password, twice" };

        var browser = await Api.LoginAsync(user);                                           // login_succeeded (cookie)
        var browserToken = await Api.GetTokenAsync(browser.CookieValue);
        secrets.AddRange([browser.CookieValue.Split('.')[2], browserToken]);
        for (var i = 0; i < 2; i++)
        {
            using var failed = await Api.LoginJsonAsync(user.Username, "wrong password, twice"); // login_failed
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using (var locked = await Api.LoginJsonAsync(user.Username, TestSettings.Password))   // locked_out
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        }

        await fixture.Host.Service<Lockout.AccountLockout>().ResetAsync(user.NormalizedUsername, CancellationToken.None);
        var cli = await Api.LoginForTokensAsync(user, "audit-cli/1.0");                      // login_succeeded (refresh token)
        var rotated = await Api.RefreshAsync(cli.RefreshToken);
        secrets.AddRange([cli.RefreshToken.Split('.')[2], rotated.RefreshToken.Split('.')[2], cli.AccessToken, rotated.AccessToken]);
        await Api.AssertRefreshRefusedAsync(cli.RefreshToken);                               // refresh_reuse_detected

        var phone = await Api.LoginForTokensAsync(user);
        secrets.AddRange([phone.RefreshToken.Split('.')[2], phone.AccessToken]);
        var phoneSid = (await Api.GetMeAsync(phone.AccessToken)).GetProperty("sid").GetString()!;
        using (var deleted = await Api.EndSessionAsync(browserToken, phoneSid))               // session_ended_by_user
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var logout = await Api.LogoutAsync(browser.CookieValue, browserToken, "local"))  // logout
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        // Last, since it uses up this host's per-address budget: throttled.
        var throttled = false;
        for (var i = 0; i < AuditHostFixture.AttemptsPerMinute + 1 && !throttled; i++)
        {
            using var attempt = await Api.LoginJsonAsync(AuthHost.NewUsername(), "not the password");
            throttled = attempt.StatusCode == HttpStatusCode.TooManyRequests;
        }

        Assert.True(throttled);

        var records = await fixture.Host.Service<AuditTrail>().ListSinceAsync(since, CancellationToken.None);
        var mine = records.Where(r => r.UserId == user.Id).ToList();
        AuditEvent One(AuditKind kind, Func<AuditEvent, bool>? where = null) =>
            Assert.Single(mine, r => r.Kind == kind && (where is null || where(r)));

        var cookieLogin = One(AuditKind.LoginSucceeded, r => r.Detail!.Contains("kind=cookie", StringComparison.Ordinal));
        Assert.Equal("ok", cookieLogin.Outcome);
        Assert.Equal("127.0.0.1", cookieLogin.ClientAddress);
        var tokenLogin = One(AuditKind.LoginSucceeded, r => r.UserAgent == "audit-cli/1.0");
        Assert.Contains("kind=refresh_token", tokenLogin.Detail, StringComparison.Ordinal);
        Assert.Equal(3, mine.Count(r => r.Kind == AuditKind.LoginSucceeded && r.Outcome == "ok"));
        Assert.Equal(2, mine.Count(r => r.Kind == AuditKind.LoginFailed && r.Outcome == "refused"));
        Assert.Equal("refused", One(AuditKind.LockedOut).Outcome);
        Assert.Equal("session_ended", One(AuditKind.RefreshReuseDetected).Outcome);
        Assert.Contains(phoneSid, One(AuditKind.SessionEndedByUser).Detail, StringComparison.Ordinal);
        Assert.Equal("scope=local sessions_ended=1", One(AuditKind.Logout).Detail);
        var throttle = Assert.Single(records, r => r.Kind == AuditKind.Throttled);
        Assert.Equal(("refused", "127.0.0.1"), (throttle.Outcome, throttle.ClientAddress));
        Assert.All(records, r => Assert.True(r.At >= since));

        // The raw rows, every property of every row: no password, cookie secret, refresh secret or access token.
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(fixture.Host.TablePrefix + "Audit");
        var raw = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            raw.Add(JsonSerializer.Serialize(row.ToDictionary(p => p.Key, p => p.Value?.ToString())));
        }

        Assert.True(raw.Count >= mine.Count);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(raw, r => r.Contains(secret, StringComparison.Ordinal));
        }
    }
}

/// <summary>Fail closed: an audit record that cannot be written stops the login that should have produced it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuditFailureTests(HostFixture fixture, AzuriteFixture azurite) : IClassFixture<HostFixture>
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task A_login_whose_audit_record_cannot_be_written_answers_503_and_hands_out_no_session()
    {
        var user = await fixture.Host.AddUserAsync();
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(fixture.Host.TablePrefix + "Audit");
        await table.DeleteAsync();
        try
        {
            using (var cookieLogin = await Api.LoginJsonAsync(user.Username, TestSettings.Password))
            {
                await Responses.AssertProblemAsync(cookieLogin, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                Responses.AssertNoSessionCookie(cookieLogin);
            }

            using (var tokenLogin = await Api.LoginForTokensRawAsync(user.Username, TestSettings.Password))
            {
                var body = await Responses.AssertProblemAsync(tokenLogin, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                Assert.False(body.TryGetProperty("refresh_token", out _));
                Assert.False(body.TryGetProperty("access_token", out _));
            }

            // The sessions that were created for them are gone again.
            Assert.Empty(await fixture.Host.Service<Sessions.SessionService>().ListAsync(user.Id, CancellationToken.None));
        }
        finally
        {
            await table.CreateIfNotExistsAsync();
        }

        await Api.LoginAsync(user);
    }
}
