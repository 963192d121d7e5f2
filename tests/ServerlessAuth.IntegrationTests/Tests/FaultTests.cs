using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.TableStorage;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Storage outages, on an Azurite of this collection's own (stopped and started here; its in-memory
/// data is lost each time). Hosts bound every storage call by 2 s, so an outage answers fast. They run
/// in Strict mode, where every protected request reads the tables; Replica mode's outage behaviour
/// (refuse once stale) is in <see cref="RevocationFeedTests"/>.
/// <para>
/// The signing key versions stay cached in the host (refresh interval: the default minute), so during
/// and right after an outage the host keeps signing and validating with the version it loaded before.
/// </para>
/// </summary>
[Collection(FaultsCollection.Name)]
public sealed class FaultTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string> ShortTimeout = new()
    {
        ["AuthStorage:OperationTimeout"] = "00:00:02",
        ["Revocation:Mode"] = "Strict",
    };

    private async Task<AuthHost> StartHostAsync()
    {
        // Whatever a previous test left behind: this one starts on a running Azurite.
        await azurite.StartAsync();
        return await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = ShortTimeout });
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{what}: expected 503, got {(int)response.StatusCode}: {text}");
        await Responses.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Responses.AssertNoSessionCookieIsSet(response);
    }

    [Fact]
    public async Task While_storage_is_down_introspection_revocation_and_the_revocations_endpoint_answer_503()
    {
        await using var host = await StartHostAsync();
        var added = await host.Service<ServerlessAuth.Clients.ClientAdministration>().AddAsync("fault-api", null, CancellationToken.None);
        var basic = ServerlessAuth.Clients.ClientCredentials.FormatBasic("fault-api", added!.Secret);
        var tokens = await host.Api.LoginForTokensAsync(await host.AddUserAsync());
        using (var before = await host.Api.RevocationsAsync(basic))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await azurite.StopAsync();
        try
        {
            using (var response = await host.Api.IntrospectRawAsync(basic, tokens.AccessToken))
            {
                await AssertUnavailableAsync(response, "introspect");
            }

            using (var response = await host.Api.RevocationsAsync(basic))
            {
                await AssertUnavailableAsync(response, "revocations");
            }

            using (var response = await host.Api.RevokeAsync(tokens.AccessToken))
            {
                await AssertUnavailableAsync(response, "revoke an access token");
            }

            using (var response = await host.Api.RevokeAsync(tokens.RefreshToken))
            {
                await AssertUnavailableAsync(response, "revoke a refresh token");
            }
        }
        finally
        {
            await azurite.StartAsync();
        }
    }

    [Fact]
    public async Task While_storage_is_down_every_endpoint_answers_503_and_afterwards_the_same_process_serves_a_full_flow()
    {
        await using var host = await StartHostAsync();
        var user = await host.AddUserAsync();
        var login = await host.Api.LoginAsync(user);
        var token = await host.Api.GetTokenAsync(login.CookieValue);

        // A token revoked (and its session ended) before the outage.
        var revokedLogin = await host.Api.LoginAsync(user);
        var revoked = await host.Api.GetTokenAsync(revokedLogin.CookieValue);
        using (var logout = await host.Api.LogoutAsync(revokedLogin.CookieValue, revoked))
        {
            Assert.True((await Responses.ReadJsonAsync(logout)).GetProperty("tokenRevoked").GetBoolean());
        }

        await azurite.StopAsync();
        try
        {
            var watch = Stopwatch.StartNew();
            using (var response = await host.Api.LoginJsonAsync(user.Username, TestSettings.Password))
            {
                await AssertUnavailableAsync(response, "login");
            }

            using (var response = await host.Api.LoginFormAsync(("username", user.Username), ("password", TestSettings.Password)))
            {
                await AssertUnavailableAsync(response, "form login");
            }

            using (var response = await host.Api.TokenAsync(login.CookieValue))
            {
                await AssertUnavailableAsync(response, "token");
            }

            using (var response = await host.Api.MeAsync(token))
            {
                await AssertUnavailableAsync(response, "me with a good token");
            }

            using (var response = await host.Api.MeAsync(revoked))
            {
                await AssertUnavailableAsync(response, "me with a revoked token");
            }

            foreach (var scope in new[] { "local", "others", "global" })
            {
                // The cookie is kept, so the same logout can be repeated once storage is back.
                using var response = await host.Api.LogoutAsync(login.CookieValue, token, scope);
                await AssertUnavailableAsync(response, $"logout {scope}");
                Assert.DoesNotContain(Responses.SetCookies(response), c => c.Name == AuthApiClient.CookieName);
            }

            using (var health = await host.Api.HealthAsync())
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            }

            // Bounded by the operation timeout, not by the SDK's own retry policy.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"Ten requests during the outage took {watch.Elapsed}");
        }
        finally
        {
            await azurite.StartAsync();
        }

        // Back, but empty: nothing is accepted, least of all the revoked token, and nothing is a 500.
        foreach (var candidate in new[] { revoked, token })
        {
            using var me = await host.Api.MeAsync(candidate);
            Assert.True(me.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, $"me after the restart: {(int)me.StatusCode}");
        }

        // Recreate what an operator would (tables, a key version, a user) through the services; the
        // same process, never restarted, serves a whole flow again.
        await host.App.EnsureTablesAsync();
        await host.Service<ISigningKeyAdministration>().AddVersionAsync(CancellationToken.None);
        var again = await host.AddUserAsync();
        var fresh = await host.Api.LoginAsync(again);
        var freshToken = await host.Api.GetTokenAsync(fresh.CookieValue);
        Assert.Equal(again.Id, (await host.Api.GetMeAsync(freshToken)).GetProperty("sub").GetString());
        using (var logout = await host.Api.LogoutAsync(fresh.CookieValue, freshToken))
        {
            await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout after the restart");
        }

        using (var me = await host.Api.MeAsync(freshToken))
        {
            await Responses.AssertInvalidTokenAsync(me);
        }

        using (var health = await host.Api.HealthAsync())
        {
            await Responses.AssertStatusAsync(health, HttpStatusCode.OK, "health after the restart");
        }

        // The token revoked before the outage is still refused.
        using var revokedAfter = await host.Api.MeAsync(revoked);
        await Responses.AssertInvalidTokenAsync(revokedAfter);
    }

    [Fact]
    public async Task A_denylisted_token_is_not_accepted_when_the_denylist_cannot_be_read()
    {
        // Fail closed for one read, not only for a whole outage: a token on the denylist whose session
        // is still live, and then the denylist's table is gone (storage answers, but that read fails).
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var token = await host.Api.GetTokenAsync(login.CookieValue);
        var claims = Jwt.Decode(token).Payload;
        await host.Service<IRevokedTokenStore>().RevokeAsync(
            claims.GetProperty("jti").GetString()!, DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()), CancellationToken.None);
        using (var refused = await host.Api.MeAsync(token))
        {
            await Responses.AssertInvalidTokenAsync(refused);
        }

        var tables = host.Service<AuthTables>();
        await tables.RevokedTokens.DeleteAsync();
        try
        {
            using var me = await host.Api.MeAsync(token);
            Assert.True(me.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable,
                $"A denylisted token with an unreadable denylist: {(int)me.StatusCode} {await me.Content.ReadAsStringAsync()}");
        }
        finally
        {
            await tables.RevokedTokens.CreateIfNotExistsAsync();
        }
    }

    [Fact]
    public async Task Sessions_ended_for_everyone_stay_ended_when_the_cutoff_cannot_be_read()
    {
        // The same for the service-wide cutoff ('sessions end-everyone'): once set, a session from before
        // it must not come back because the row holding it cannot be read.
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        await host.Service<SessionService>().EndEverySessionAsync(CancellationToken.None);
        using (var refused = await host.Api.TokenAsync(login.CookieValue))
        {
            await Responses.AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "no_session");
        }

        var tables = host.Service<AuthTables>();
        await tables.ServiceState.DeleteAsync();
        try
        {
            using var token = await host.Api.TokenAsync(login.CookieValue);
            Assert.True(token.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable,
                $"A session ended for everyone, with an unreadable cutoff: {(int)token.StatusCode} {await token.Content.ReadAsStringAsync()}");
        }
        finally
        {
            await tables.ServiceState.CreateIfNotExistsAsync();
        }
    }

    [Fact]
    public async Task Stopping_storage_in_the_middle_of_concurrent_traffic_gives_only_200_401_or_503()
    {
        await using var host = await StartHostAsync();
        var user = await host.AddUserAsync();
        var sessions = new List<(LoggedIn Login, string Token)>();
        for (var i = 0; i < 3; i++)
        {
            var login = await host.Api.LoginAsync(user);
            sessions.Add((login, await host.Api.GetTokenAsync(login.CookieValue)));
        }

        var statuses = new ConcurrentQueue<(string Call, HttpStatusCode Status, string Body)>();
        using var stop = new CancellationTokenSource();
        var deadline = Stopwatch.StartNew();

        async Task TrafficAsync(int worker)
        {
            var (login, token) = sessions[worker % sessions.Count];
            for (var i = 0; i < 400 && !stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(30); i++)
            {
                var (call, send) = ((worker + i) % 4) switch
                {
                    0 => ("me", (Func<Task<HttpResponseMessage>>)(() => host.Api.MeAsync(token))),
                    1 => ("token", () => host.Api.TokenAsync(login.CookieValue)),
                    2 => ("login", () => host.Api.LoginJsonAsync(user.Username, TestSettings.Password)),
                    _ => ("health", () => host.Api.HealthAsync()),
                };
                using var response = await send();
                statuses.Enqueue((call, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
        }

        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(() => TrafficAsync(w))).ToList();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await azurite.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        finally
        {
            await azurite.StartAsync();
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = statuses.ToList();
        var summary = string.Join(", ", all.GroupBy(s => $"{s.Call} {(int)s.Status}").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} x{g.Count()}"));
        var unexpected = all.Where(s => s.Status is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable)).ToList();
        Assert.True(unexpected.Count == 0, $"Unexpected answers ({summary}); first: {unexpected.FirstOrDefault()}");
        Assert.Contains(all, s => s.Status == HttpStatusCode.OK);
        Assert.Contains(all, s => s.Status == HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain(all, s => s.Call == "me" && s.Status == HttpStatusCode.OK && s.Body.Contains("\"sub\":\"\"", StringComparison.Ordinal));
    }
}
