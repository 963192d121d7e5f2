using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="LogoutEndpointTestsOnAspNetCore"/>, <see cref="LogoutEndpointTestsOnFunctions"/>).</summary>
public abstract class LogoutEndpointTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Logging_out_twice_succeeds_both_times()
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var token = await Api.GetTokenAsync(login.CookieValue);

        using (var first = await Api.LogoutAsync(login.CookieValue, token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(1, (await Responses.ReadJsonAsync(first)).GetProperty("sessionsEnded").GetInt32());
            Responses.AssertClearsSessionCookie(first);
        }

        using var second = await Api.LogoutAsync(login.CookieValue, token);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(0, (await Responses.ReadJsonAsync(second)).GetProperty("sessionsEnded").GetInt32());
        Responses.AssertClearsSessionCookie(second);
    }

    [Theory]
    [InlineData(ScopeVia.None, null)]
    [InlineData(ScopeVia.Json, null)]
    [InlineData(ScopeVia.Json, "global")]
    [InlineData(ScopeVia.Query, "others")]
    public async Task Logout_without_credentials_succeeds_and_ends_nothing(ScopeVia via, string? scope)
    {
        using var response = await Api.LogoutAsync(null, null, scope, via);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (scope == "others")
        {
            Responses.AssertNoSessionCookie(response);
        }
        else
        {
            Responses.AssertClearsSessionCookie(response);
        }

        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal(scope ?? "local", body.GetProperty("scope").GetString());
        Assert.Equal(0, body.GetProperty("sessionsEnded").GetInt32());
        Assert.False(body.GetProperty("tokenRevoked").GetBoolean());
        Assert.False(body.GetProperty("allTokensRevoked").GetBoolean());
    }

    [Fact]
    public async Task Logout_with_stale_or_bogus_credentials_succeeds()
    {
        var user = await fixture.Host.AddUserAsync();
        var login = await Api.LoginAsync(user);
        var token = await Api.GetTokenAsync(login.CookieValue);
        using (var first = await Api.LogoutAsync(login.CookieValue, token))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // An ended session's cookie and a revoked token.
        using (var stale = await Api.LogoutAsync(login.CookieValue, token))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal(0, (await Responses.ReadJsonAsync(stale)).GetProperty("sessionsEnded").GetInt32());
            Responses.AssertClearsSessionCookie(stale);
        }

        // A cookie of the right shape whose secret is wrong, and a token that is not one.
        var parts = login.CookieValue.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";
        using (var bogus = await Api.LogoutAsync(forged, "not-a-token"))
        {
            Assert.Equal(HttpStatusCode.OK, bogus.StatusCode);
            var body = await Responses.ReadJsonAsync(bogus);
            Assert.Equal(0, body.GetProperty("sessionsEnded").GetInt32());
            Assert.False(body.GetProperty("tokenRevoked").GetBoolean());
            Responses.AssertClearsSessionCookie(bogus);
        }
    }

    [Fact]
    public async Task A_wrong_secret_in_the_cookie_does_not_end_the_session()
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var parts = login.CookieValue.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{new string('A', parts[2].Length)}";

        using (var logout = await Api.LogoutAsync(forged, null))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        await Api.GetTokenAsync(login.CookieValue);
    }

    [Fact]
    public async Task Form_logout_redirects_to_the_sign_in_page_with_303_and_clears_the_cookie()
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());

        using (var response = await Api.LogoutAsync(login.CookieValue, null, scope: null, ScopeVia.Form))
        {
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/api/auth/signin?notice=signed_out", response.Headers.Location?.OriginalString);
            Responses.AssertClearsSessionCookie(response);
        }

        // The page it lands on confirms the sign-out, and signing in again leads to the account page.
        using (var page = await Api.Client.GetAsync("api/auth/signin?notice=signed_out"))
        {
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("You have signed out.", html, StringComparison.Ordinal);
            Assert.Contains("name=\"returnUrl\" value=\"/api/auth/account\"", html, StringComparison.Ordinal);
        }

        using var token = await Api.TokenAsync(login.CookieValue);
        await Responses.AssertProblemAsync(token, HttpStatusCode.Unauthorized, "no_session");
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Other_methods_than_POST_get_405_with_Allow_POST(string method)
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var request = new HttpRequestMessage(new HttpMethod(method), "api/auth/logout");
        request.Headers.TryAddWithoutValidation("Cookie", $"{AuthApiClient.CookieName}={login.CookieValue}");

        using (var response = await Api.Client.SendAsync(request))
        {
            await Responses.AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
            Assert.Equal(["POST"], response.Content.Headers.Allow);
        }

        // Nothing was logged out.
        await Api.GetTokenAsync(login.CookieValue);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class LogoutEndpointTestsOnAspNetCore(HostFixture fixture) : LogoutEndpointTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class LogoutEndpointTestsOnFunctions(FunctionsHostFixture fixture) : LogoutEndpointTests(fixture), IClassFixture<FunctionsHostFixture>;
