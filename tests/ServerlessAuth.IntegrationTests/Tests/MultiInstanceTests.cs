using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>Two instances on one storage account: state lives in storage, so a logout anywhere is seen everywhere at once.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class MultiInstanceTests(TwoHostsFixture hosts) : IClassFixture<TwoHostsFixture>
{
    [Fact]
    public async Task A_logout_through_B_is_enforced_by_A_at_once()
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

        using (var me = await hosts.A.Api.MeAsync(token))
        {
            await Responses.AssertInvalidTokenAsync(me);
        }

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

        using (var me = await hosts.A.Api.MeAsync(firstToken))
        {
            await Responses.AssertInvalidTokenAsync(me);
        }

        using var tokenResponse = await hosts.A.Api.TokenAsync(first.CookieValue);
        await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
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
