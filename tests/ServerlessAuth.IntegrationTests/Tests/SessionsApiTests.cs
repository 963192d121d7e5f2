using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary><c>GET /api/auth/sessions</c> and <c>DELETE /api/auth/sessions/{id}</c>: a user's own sessions only.</summary>
[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="SessionsApiTestsOnAspNetCore"/>, <see cref="SessionsApiTestsOnFunctions"/>).</summary>
public abstract class SessionsApiTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task The_list_shows_the_callers_live_sessions_of_both_kinds_and_marks_the_current_one()
    {
        var user = await fixture.Host.AddUserAsync();
        var other = await fixture.Host.AddUserAsync();
        var cli = await Api.LoginForTokensAsync(user, "cli/1.0");
        var browser = await Api.LoginAsync(user);
        var browserToken = await Api.GetTokenAsync(browser.CookieValue);
        var ended = await Api.LoginForTokensAsync(user);
        using (await Api.LogoutWithRefreshTokenAsync(ended.RefreshToken))
        {
        }

        var others = await Api.LoginForTokensAsync(other);

        var sessions = await Api.GetSessionsAsync(cli.AccessToken);

        var cliSid = (await Api.GetMeAsync(cli.AccessToken)).GetProperty("sid").GetString();
        var browserSid = (await Api.GetMeAsync(browserToken)).GetProperty("sid").GetString();
        var othersSid = (await Api.GetMeAsync(others.AccessToken)).GetProperty("sid").GetString();
        Assert.Equal(2, sessions.Count);
        var cliSession = Assert.Single(sessions, s => s.GetProperty("id").GetString() == cliSid);
        var browserSession = Assert.Single(sessions, s => s.GetProperty("id").GetString() == browserSid);
        Assert.Equal("refresh_token", cliSession.GetProperty("kind").GetString());
        Assert.True(cliSession.GetProperty("current").GetBoolean());
        Assert.Equal("cli/1.0", cliSession.GetProperty("userAgent").GetString());
        Assert.Equal("cookie", browserSession.GetProperty("kind").GetString());
        Assert.False(browserSession.GetProperty("current").GetBoolean());
        Assert.True(cliSession.GetProperty("createdAt").GetDateTimeOffset() <= cliSession.GetProperty("lastSeenAt").GetDateTimeOffset());
        Assert.DoesNotContain(sessions, s => s.GetProperty("id").GetString() == othersSid);

        // The other user sees only their own; the browser's token marks the browser's session.
        Assert.Single(await Api.GetSessionsAsync(others.AccessToken));
        Assert.True(Assert.Single(await Api.GetSessionsAsync(browserToken), s => s.GetProperty("id").GetString() == browserSid).GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task Deleting_an_own_session_ends_its_credentials_and_tokens()
    {
        var user = await fixture.Host.AddUserAsync();
        var cli = await Api.LoginForTokensAsync(user);
        var browser = await Api.LoginAsync(user);
        var browserToken = await Api.GetTokenAsync(browser.CookieValue);
        var browserSid = (await Api.GetMeAsync(browserToken)).GetProperty("sid").GetString()!;
        var cliSid = (await Api.GetMeAsync(cli.AccessToken)).GetProperty("sid").GetString()!;

        using (var deleted = await Api.EndSessionAsync(cli.AccessToken, browserSid))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await Api.AssertRefusedWithinBoundAsync(browserToken);
        using (var token = await Api.TokenAsync(browser.CookieValue))
        {
            await Responses.AssertProblemAsync(token, HttpStatusCode.Unauthorized, "no_session");
        }

        // Ending it again: it is gone.
        using (var again = await Api.EndSessionAsync(cli.AccessToken, browserSid))
        {
            await Responses.AssertProblemAsync(again, HttpStatusCode.NotFound, "not_found");
        }

        // One's current session may be ended too; its refresh token dies with it.
        using (var own = await Api.EndSessionAsync(cli.AccessToken, cliSid))
        {
            Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        }

        await Api.AssertRefreshRefusedAsync(cli.RefreshToken);
        await Api.AssertRefusedWithinBoundAsync(cli.AccessToken);
    }

    [Fact]
    public async Task Another_users_session_or_a_made_up_id_is_404_and_ends_nothing()
    {
        var user = await fixture.Host.AddUserAsync();
        var other = await fixture.Host.AddUserAsync();
        var mine = await Api.LoginForTokensAsync(user);
        var theirs = await Api.LoginForTokensAsync(other);
        var theirSid = (await Api.GetMeAsync(theirs.AccessToken)).GetProperty("sid").GetString()!;

        foreach (var id in new[] { theirSid, "AAAAAAAAAAAAAAAAAAAAAA", "not-a-session" })
        {
            using var response = await Api.EndSessionAsync(mine.AccessToken, id);
            await Responses.AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
        }

        await Api.GetMeAsync(theirs.AccessToken);
        await Api.RefreshAsync(theirs.RefreshToken);
    }

    [Fact]
    public async Task Both_endpoints_need_a_valid_bearer_token_and_their_method()
    {
        var user = await fixture.Host.AddUserAsync();
        var pair = await Api.LoginForTokensAsync(user);
        var sid = (await Api.GetMeAsync(pair.AccessToken)).GetProperty("sid").GetString()!;

        using (var none = await Api.SessionsAsync(null))
        {
            await Responses.AssertProblemAsync(none, HttpStatusCode.Unauthorized, "missing_token");
        }

        using (var bad = await Api.EndSessionAsync("not.a.jwt", sid))
        {
            await Responses.AssertProblemAsync(bad, HttpStatusCode.Unauthorized, "invalid_token");
        }

        using (var post = await Api.SendAsync(HttpMethod.Post, "api/auth/sessions"))
        {
            await Responses.AssertProblemAsync(post, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }

        using (var get = await Api.SendAsync(HttpMethod.Get, $"api/auth/sessions/{sid}"))
        {
            await Responses.AssertProblemAsync(get, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }

        await Api.RefreshAsync(pair.RefreshToken);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class SessionsApiTestsOnAspNetCore(HostFixture fixture) : SessionsApiTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class SessionsApiTestsOnFunctions(FunctionsHostFixture fixture) : SessionsApiTests(fixture), IClassFixture<FunctionsHostFixture>;
