using System.Net;
using System.Text.Json;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
public abstract class LogoutScopeTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    private async Task<(LoggedIn Login, string Token)> SessionWithTokenAsync(Users.UserAccount user)
    {
        var login = await Api.LoginAsync(user);
        return (login, await Api.GetTokenAsync(login.CookieValue));
    }

    private async Task AssertSessionWorksAsync(LoggedIn login, string token)
    {
        await Api.GetMeAsync(token);
        await Api.GetTokenAsync(login.CookieValue);
    }

    private async Task AssertSessionRefusedAsync(LoggedIn login, params string[] tokens)
    {
        foreach (var token in tokens)
        {
            await Api.AssertRefusedWithinBoundAsync(token);
        }

        using var tokenResponse = await Api.TokenAsync(login.CookieValue);
        await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
    }

    private static async Task<JsonElement> AssertLogoutOkAsync(HttpResponseMessage response, string scope)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (scope == "others")
        {
            // This session stays, so a browser must keep its cookie.
            Responses.AssertNoSessionCookie(response);
        }
        else
        {
            Responses.AssertClearsSessionCookie(response);
        }

        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal(scope, body.GetProperty("scope").GetString());
        return body;
    }

    [Fact]
    public async Task Local_ends_this_session_and_its_tokens_but_not_another_session_of_the_user()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var hereSecondToken = await Api.GetTokenAsync(here.CookieValue);
        var (elsewhere, elsewhereToken) = await SessionWithTokenAsync(user);

        using (var logout = await Api.LogoutAsync(here.CookieValue, hereToken, "local", ScopeVia.Json))
        {
            var body = await AssertLogoutOkAsync(logout, "local");
            Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
            Assert.False(body.GetProperty("allTokensRevoked").GetBoolean());
        }

        await AssertSessionRefusedAsync(here, hereToken, hereSecondToken);
        await AssertSessionWorksAsync(elsewhere, elsewhereToken);
    }

    [Fact]
    public async Task Local_with_only_a_token_ends_that_tokens_session()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (elsewhere, elsewhereToken) = await SessionWithTokenAsync(user);

        using (var logout = await Api.LogoutAsync(null, hereToken, scope: null, ScopeVia.None))
        {
            var body = await AssertLogoutOkAsync(logout, "local");
            Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
        }

        await AssertSessionRefusedAsync(here, hereToken);
        await AssertSessionWorksAsync(elsewhere, elsewhereToken);
    }

    [Fact]
    public async Task Others_ends_every_other_session_and_its_tokens_and_keeps_this_one()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (second, secondToken) = await SessionWithTokenAsync(user);
        var (third, thirdToken) = await SessionWithTokenAsync(user);

        using (var logout = await Api.LogoutAsync(here.CookieValue, hereToken, "others", ScopeVia.Json))
        {
            var body = await AssertLogoutOkAsync(logout, "others");
            Assert.Equal(2, body.GetProperty("sessionsEnded").GetInt32());
            Assert.False(body.GetProperty("tokenRevoked").GetBoolean());
            Assert.False(body.GetProperty("allTokensRevoked").GetBoolean());
        }

        await AssertSessionRefusedAsync(second, secondToken);
        await AssertSessionRefusedAsync(third, thirdToken);
        await AssertSessionWorksAsync(here, hereToken);
    }

    [Fact]
    public async Task Others_does_not_touch_other_users()
    {
        var user = await fixture.Host.AddUserAsync();
        var stranger = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (strangers, strangersToken) = await SessionWithTokenAsync(stranger);

        using (var logout = await Api.LogoutAsync(here.CookieValue, null, "others", ScopeVia.Form))
        {
            Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
            Responses.AssertNoSessionCookie(logout);
        }

        await AssertSessionWorksAsync(strangers, strangersToken);
        await AssertSessionWorksAsync(here, hereToken);
    }

    [Fact]
    public async Task Global_ends_every_session_and_token_of_the_user_and_a_new_login_works()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (second, secondToken) = await SessionWithTokenAsync(user);
        var secondOtherToken = await Api.GetTokenAsync(second.CookieValue);

        using (var logout = await Api.LogoutAsync(here.CookieValue, hereToken, "global", ScopeVia.Query))
        {
            var body = await AssertLogoutOkAsync(logout, "global");
            Assert.Equal(2, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
            Assert.True(body.GetProperty("allTokensRevoked").GetBoolean());
        }

        await AssertSessionRefusedAsync(here, hereToken);
        await AssertSessionRefusedAsync(second, secondToken, secondOtherToken);

        // The account itself is fine: logging in again gives a session that can get tokens.
        // (That those tokens are accepted at once is the next test.)
        var fresh = await Api.LoginAsync(user);
        await Api.GetTokenAsync(fresh.CookieValue);
    }

    [Fact]
    public async Task A_token_from_a_new_login_right_after_a_global_logout_is_accepted()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);

        // Start just after a whole second, so logout, login and token all fall within one second,
        // as they do for a user who logs out everywhere and straight back in.
        await WaitForStartOfNextSecondAsync();
        using (var logout = await Api.LogoutAsync(here.CookieValue, hereToken, "global", ScopeVia.Query))
        {
            await AssertLogoutOkAsync(logout, "global");
        }

        var (fresh, freshToken) = await SessionWithTokenAsync(user);
        await AssertSessionWorksAsync(fresh, freshToken);
    }

    private static Task WaitForStartOfNextSecondAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var next = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 1);
        return Task.Delay(next - now + TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task Others_and_global_need_a_live_credential_and_end_nothing_with_a_stale_one()
    {
        var user = await fixture.Host.AddUserAsync();
        var (ended, endedToken) = await SessionWithTokenAsync(user);
        var (live, liveToken) = await SessionWithTokenAsync(user);
        using (var first = await Api.LogoutAsync(ended.CookieValue, endedToken))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        foreach (var scope in new[] { "others", "global" })
        {
            using var logout = await Api.LogoutAsync(ended.CookieValue, endedToken, scope, ScopeVia.Json);
            var body = await AssertLogoutOkAsync(logout, scope);
            Assert.Equal(0, body.GetProperty("sessionsEnded").GetInt32());
            Assert.False(body.GetProperty("allTokensRevoked").GetBoolean());
        }

        await AssertSessionWorksAsync(live, liveToken);
    }

    [Theory]
    [InlineData("global", "local", ScopeVia.Json)]
    [InlineData("local", "global", ScopeVia.Json)]
    [InlineData("others", "global", ScopeVia.Form)]
    [InlineData("global", "others", ScopeVia.Form)]
    public async Task A_scope_in_the_query_that_differs_from_the_body_is_a_400_and_ends_nothing(string query, string body, ScopeVia via)
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (elsewhere, elsewhereToken) = await SessionWithTokenAsync(user);

        using (var logout = await LogoutWithQueryAndBodyAsync(here, hereToken, query, body, via))
        {
            await Responses.AssertProblemAsync(logout, HttpStatusCode.BadRequest, "invalid_request");
            Responses.AssertNoSessionCookie(logout);
        }

        await AssertSessionWorksAsync(here, hereToken);
        await AssertSessionWorksAsync(elsewhere, elsewhereToken);
    }

    [Theory]
    [InlineData(ScopeVia.Json)]
    [InlineData(ScopeVia.Form)]
    public async Task The_same_scope_in_the_query_and_the_body_is_accepted(ScopeVia via)
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        var (elsewhere, elsewhereToken) = await SessionWithTokenAsync(user);

        using (var logout = await LogoutWithQueryAndBodyAsync(here, hereToken, "global", "global", via))
        {
            if (via == ScopeVia.Json)
            {
                var body = await AssertLogoutOkAsync(logout, "global");
                Assert.True(body.GetProperty("allTokensRevoked").GetBoolean());
            }
            else
            {
                Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
            }
        }

        await AssertSessionRefusedAsync(here, hereToken);
        await AssertSessionRefusedAsync(elsewhere, elsewhereToken);
    }

    [Fact]
    public async Task A_repeated_query_scope_is_a_400_that_names_the_repetition()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, hereToken) = await SessionWithTokenAsync(user);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/logout?scope=local&scope=global");
        request.Headers.TryAddWithoutValidation("Cookie", $"{AuthApiClient.CookieName}={here.CookieValue}");

        using (var logout = await Api.Client.SendAsync(request))
        {
            var body = await Responses.AssertProblemAsync(logout, HttpStatusCode.BadRequest, "invalid_request");
            Assert.Contains("'scope' is given more than once", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await AssertSessionWorksAsync(here, hereToken);
    }

    private Task<HttpResponseMessage> LogoutWithQueryAndBodyAsync(LoggedIn login, string token, string query, string body, ScopeVia via)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"api/auth/logout?scope={query}")
        {
            Content = via == ScopeVia.Json
                ? new StringContent(JsonSerializer.Serialize(new { scope = body }), System.Text.Encoding.UTF8, "application/json")
                : new FormUrlEncodedContent([KeyValuePair.Create("scope", body)]),
        };
        request.Headers.TryAddWithoutValidation("Cookie", $"{AuthApiClient.CookieName}={login.CookieValue}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return Api.Client.SendAsync(request);
    }

    [Fact]
    public async Task An_unknown_scope_is_a_400()
    {
        var user = await fixture.Host.AddUserAsync();
        var (login, token) = await SessionWithTokenAsync(user);

        using (var logout = await Api.LogoutAsync(login.CookieValue, token, "everything", ScopeVia.Json))
        {
            await Responses.AssertProblemAsync(logout, HttpStatusCode.BadRequest, "invalid_request");
        }

        await AssertSessionWorksAsync(login, token);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class LogoutScopeTestsOnAspNetCore(HostFixture fixture) : LogoutScopeTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class LogoutScopeTestsOnFunctions(FunctionsHostFixture fixture) : LogoutScopeTests(fixture), IClassFixture<FunctionsHostFixture>;
