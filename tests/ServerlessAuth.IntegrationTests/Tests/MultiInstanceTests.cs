using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Two instances on one storage account: a logout through one is enforced by the other. In Replica
/// mode within the feed's bound (the other instance reads no storage per request); in Strict mode at once.
/// </summary>
public abstract class MultiInstanceTests(TwoHostsFixture hosts)
{
    /// <summary>How this mode refuses a revoked token on another instance.</summary>
    protected abstract Task AssertRefusedAsync(AuthHost host, string token);

    [Fact]
    public async Task A_logout_through_B_is_enforced_by_A()
    {
        var user = await hosts.A.AddUserAsync();
        var login = await hosts.A.Api.LoginAsync(user);
        var token = await hosts.A.Api.GetTokenAsync(login.CookieValue);
        await hosts.A.Api.GetMeAsync(token);
        await hosts.B.Api.GetMeAsync(token);

        using (var logout = await hosts.B.Api.LogoutAsync(login.CookieValue, token))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            var body = await Responses.ReadJsonAsync(logout);
            Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
        }

        await AssertRefusedAsync(hosts.A, token);

        using (var tokenResponse = await hosts.A.Api.TokenAsync(login.CookieValue))
        {
            await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
            Responses.AssertClearsSessionCookie(tokenResponse);
        }
    }

    [Fact]
    public async Task A_global_logout_through_B_ends_sessions_started_on_A()
    {
        var user = await hosts.A.AddUserAsync();
        var first = await hosts.A.Api.LoginAsync(user);
        var firstToken = await hosts.A.Api.GetTokenAsync(first.CookieValue);
        var second = await hosts.B.Api.LoginAsync(user);

        using (var logout = await hosts.B.Api.LogoutAsync(second.CookieValue, null, "global"))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            Assert.True((await Responses.ReadJsonAsync(logout)).GetProperty("allTokensRevoked").GetBoolean());
        }

        await AssertRefusedAsync(hosts.A, firstToken);

        using var tokenResponse = await hosts.A.Api.TokenAsync(first.CookieValue);
        await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
    }

    [Fact]
    public async Task Others_through_B_ends_the_other_sessions_on_A_and_keeps_the_callers()
    {
        var user = await hosts.A.AddUserAsync();
        var other = await hosts.A.Api.LoginAsync(user);
        var otherToken = await hosts.A.Api.GetTokenAsync(other.CookieValue);
        var here = await hosts.B.Api.LoginAsync(user);
        var hereToken = await hosts.B.Api.GetTokenAsync(here.CookieValue);

        using (var logout = await hosts.B.Api.LogoutAsync(here.CookieValue, hereToken, "others"))
        {
            Assert.Equal(1, (await Responses.ReadJsonAsync(logout)).GetProperty("sessionsEnded").GetInt32());
        }

        await AssertRefusedAsync(hosts.A, otherToken);
        await hosts.A.CaughtUpAsync();
        Assert.Equal(user.Id, (await hosts.A.Api.GetMeAsync(hereToken)).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task A_token_issued_by_A_is_accepted_by_B_with_the_same_claims()
    {
        var user = await hosts.A.AddUserAsync();
        var token = await hosts.A.Api.GetTokenAsync((await hosts.B.Api.LoginAsync(user)).CookieValue);

        var fromA = await hosts.A.Api.GetMeAsync(token);
        var fromB = await hosts.B.Api.GetMeAsync(token);

        Assert.Equal(fromA.GetRawText(), fromB.GetRawText());
        Assert.Equal(user.Id, fromB.GetProperty("sub").GetString());
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class ReplicaMultiInstanceTests(TwoHostsFixture hosts) : MultiInstanceTests(hosts), IClassFixture<TwoHostsFixture>
{
    protected override Task AssertRefusedAsync(AuthHost host, string token) => host.Api.AssertRefusedWithinBoundAsync(token);
}

[Collection(AzuriteCollection.Name)]
public sealed class StrictMultiInstanceTests(StrictTwoHostsFixture hosts) : MultiInstanceTests(hosts), IClassFixture<StrictTwoHostsFixture>
{
    protected override async Task AssertRefusedAsync(AuthHost host, string token)
    {
        using var me = await host.Api.MeAsync(token);
        await Responses.AssertInvalidTokenAsync(me);
    }
}
