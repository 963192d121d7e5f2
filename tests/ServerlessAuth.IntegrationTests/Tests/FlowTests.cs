using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="FlowTestsOnAspNetCore"/>, <see cref="FlowTestsOnFunctions"/>).</summary>
public abstract class FlowTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Login_token_me_logout_then_the_token_and_the_cookie_are_refused()
    {
        var user = await fixture.Host.AddUserAsync();

        // Login
        var login = await Api.LoginAsync(user);
        Assert.Equal(user.Id, login.UserId);
        Assert.Equal(user.Username, login.Username);
        Assert.StartsWith(user.Id + ".", login.CookieValue, StringComparison.Ordinal);

        // Token
        var token = await Api.GetTokenAsync(login.CookieValue);

        // Me
        var me = await Api.GetMeAsync(token);
        Assert.Equal(user.Id, me.GetProperty("sub").GetString());
        Assert.Equal(user.Username, me.GetProperty("name").GetString());
        Assert.Equal(login.CookieValue.Split('.')[1], me.GetProperty("sid").GetString());
        Assert.Equal(Jwt.Decode(token).Payload.GetProperty("jti").GetString(), me.GetProperty("jti").GetString());

        // Logout (local, the default), with both credentials
        using (var logout = await Api.LogoutAsync(login.CookieValue, token))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            var body = await Responses.ReadJsonAsync(logout);
            Assert.Equal("local", body.GetProperty("scope").GetString());
            Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
            Assert.False(body.GetProperty("allTokensRevoked").GetBoolean());
            Responses.AssertClearsSessionCookie(logout);
        }

        // Me refused within the revocation bound (Replica mode: once this instance has read the feed)
        await Api.AssertRefusedWithinBoundAsync(token);

        // Token with the old cookie refused, and the cookie cleared
        using (var noSession = await Api.TokenAsync(login.CookieValue))
        {
            await Responses.AssertProblemAsync(noSession, HttpStatusCode.Unauthorized, "no_session");
            Responses.AssertClearsSessionCookie(noSession);
        }
    }

    [Fact]
    public async Task A_disabled_users_existing_token_and_session_are_refused()
    {
        var user = await fixture.Host.AddUserAsync();
        var login = await Api.LoginAsync(user);
        var token = await Api.GetTokenAsync(login.CookieValue);
        await Api.GetMeAsync(token);

        await fixture.Host.Service<UserAdministration>().DisableAsync(user, CancellationToken.None);

        await Api.AssertRefusedWithinBoundAsync(token);

        using (var tokenResponse = await Api.TokenAsync(login.CookieValue))
        {
            await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
            Responses.AssertClearsSessionCookie(tokenResponse);
        }
    }

    [Fact]
    public async Task Health_is_200_when_storage_and_a_signing_key_are_there()
    {
        using var response = await Api.HealthAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class FlowTestsOnAspNetCore(HostFixture fixture) : FlowTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class FlowTestsOnFunctions(FunctionsHostFixture fixture) : FlowTests(fixture), IClassFixture<FunctionsHostFixture>;
