using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>A grace window far longer than any test's requests take, so that "within the window" never depends on timing.</summary>
public class LongGraceHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string> { ["Auth:RefreshReuseGraceWindow"] = "00:01:00" };
}

/// <summary>Non-browser clients: login for tokens, the refresh grant with rotation, logout with a refresh token.</summary>
[Collection(AzuriteCollection.Name)]
public abstract class RefreshTokenTests(LongGraceHostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Login_with_useCookies_false_answers_an_RFC_6749_token_response_and_sets_no_cookie()
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginForTokensRawAsync(user.Username, TestSettings.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("no-store", response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Empty(Responses.SetCookies(response));
        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal(new[] { "access_token", "token_type", "expires_in", "refresh_token" }, body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal((long)TestSettings.AccessTokenLifetime.TotalSeconds, body.GetProperty("expires_in").GetInt64());
        var refresh = body.GetProperty("refresh_token").GetString()!;
        // 256 bits of secret at least (43 base64url characters) after the lookup ids.
        Assert.True(refresh.Split('.')[^1].Length >= 43);

        var me = await Api.GetMeAsync(body.GetProperty("access_token").GetString()!);
        Assert.Equal(user.Id, me.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task A_refresh_token_is_not_a_session_cookie()
    {
        var user = await fixture.Host.AddUserAsync();
        var pair = await Api.LoginForTokensAsync(user);

        using var response = await Api.TokenAsync(pair.RefreshToken);
        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
        var login = await Api.LoginAsync(user);
        await Api.AssertRefreshRefusedAsync(login.CookieValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_refresh_rotates_the_refresh_token_and_the_new_pair_works(bool asJson)
    {
        var user = await fixture.Host.AddUserAsync();
        var first = await Api.LoginForTokensAsync(user);

        var second = await Api.RefreshAsync(first.RefreshToken, asJson);

        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        var me = await Api.GetMeAsync(second.AccessToken);
        Assert.Equal((await Api.GetMeAsync(first.AccessToken)).GetProperty("sid").GetString(), me.GetProperty("sid").GetString());
        var third = await Api.RefreshAsync(second.RefreshToken, asJson);
        await Api.GetMeAsync(third.AccessToken);

        // The first token is two rotations old now: refused (as reuse: its session ends).
        await Api.AssertRefreshRefusedAsync(first.RefreshToken);
    }

    [Fact]
    public async Task Parallel_refreshes_with_one_token_all_succeed_with_the_same_successor_and_nobody_is_logged_out()
    {
        var user = await fixture.Host.AddUserAsync();
        var first = await Api.LoginForTokensAsync(user);

        var pairs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Api.RefreshAsync(first.RefreshToken)));

        var successor = Assert.Single(pairs.Select(p => p.RefreshToken).Distinct());
        Assert.NotEqual(first.RefreshToken, successor);
        foreach (var pair in pairs)
        {
            await Api.GetMeAsync(pair.AccessToken);
        }

        await Api.GetMeAsync(first.AccessToken);
        var next = await Api.RefreshAsync(successor);
        await Api.GetMeAsync(next.AccessToken);
    }

    [Fact]
    public async Task A_retry_with_the_spent_token_within_the_window_gets_the_same_successor()
    {
        var user = await fixture.Host.AddUserAsync();
        var first = await Api.LoginForTokensAsync(user);
        var rotated = await Api.RefreshAsync(first.RefreshToken);

        var retried = await Api.RefreshAsync(first.RefreshToken);

        Assert.Equal(rotated.RefreshToken, retried.RefreshToken);
        await Api.GetMeAsync(rotated.AccessToken);
        await Api.GetMeAsync(retried.AccessToken);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("0123456789abcdef0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Unknown_or_malformed_refresh_tokens_get_invalid_grant(string token) =>
        await Api.AssertRefreshRefusedAsync(token);

    [Fact]
    public async Task Grant_errors_follow_RFC_6749_5_2()
    {
        using (var missing = await Api.RefreshRawAsync(null))
        {
            await Responses.AssertOAuthErrorAsync(missing, "invalid_request");
        }

        using (var unsupported = await Api.RefreshRawAsync("x", grantType: "password"))
        {
            await Responses.AssertOAuthErrorAsync(unsupported, "unsupported_grant_type");
        }

        using var repeated = await Api.Client.PostAsync("api/auth/token",
            new StringContent("grant_type=refresh_token&refresh_token=a&refresh_token=b", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        await Responses.AssertOAuthErrorAsync(repeated, "invalid_request");
    }

    [Fact]
    public async Task UseCookies_must_be_true_or_false()
    {
        var user = await fixture.Host.AddUserAsync();
        using var response = await Api.Client.PostAsync("api/auth/login?useCookies=maybe",
            new StringContent($$"""{"username":"{{user.Username}}","password":"{{TestSettings.Password}}"}""", System.Text.Encoding.UTF8, "application/json"));
        await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("local")]
    [InlineData("global")]
    public async Task Logout_with_the_refresh_token_ends_its_session(string? scope)
    {
        var user = await fixture.Host.AddUserAsync();
        var pair = await Api.LoginForTokensAsync(user);

        using (var logout = await Api.LogoutWithRefreshTokenAsync(pair.RefreshToken, scope))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            Assert.Equal(1, (await Responses.ReadJsonAsync(logout)).GetProperty("sessionsEnded").GetInt32());
        }

        await Api.AssertRefreshRefusedAsync(pair.RefreshToken);
        await Api.AssertRefusedWithinBoundAsync(pair.AccessToken);
    }

    [Fact]
    public async Task The_refresh_token_dies_with_a_bearer_logout_of_its_session()
    {
        var user = await fixture.Host.AddUserAsync();
        var pair = await Api.LoginForTokensAsync(user);

        using (var logout = await Api.LogoutAsync(null, pair.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        await Api.AssertRefreshRefusedAsync(pair.RefreshToken);
    }

    [Fact]
    public async Task The_refresh_token_dies_with_a_logout_of_others_and_a_global_logout_from_another_session()
    {
        var user = await fixture.Host.AddUserAsync();
        var cli = await Api.LoginForTokensAsync(user);
        var browser = await Api.LoginAsync(user);

        using (var others = await Api.LogoutAsync(browser.CookieValue, null, "others"))
        {
            Assert.Equal(HttpStatusCode.OK, others.StatusCode);
        }

        await Api.AssertRefreshRefusedAsync(cli.RefreshToken);
        await Api.GetTokenAsync(browser.CookieValue);

        var second = await Api.LoginForTokensAsync(user);
        using (var global = await Api.LogoutAsync(browser.CookieValue, null, "global"))
        {
            Assert.Equal(HttpStatusCode.OK, global.StatusCode);
        }

        await Api.AssertRefreshRefusedAsync(second.RefreshToken);
        await Api.AssertRefusedWithinBoundAsync(second.AccessToken);
    }

    [Fact]
    public async Task The_refresh_token_dies_when_the_user_is_disabled()
    {
        var user = await fixture.Host.AddUserAsync();
        var pair = await Api.LoginForTokensAsync(user);
        await fixture.Host.Service<Users.UserAdministration>().DisableAsync(user, CancellationToken.None);
        await Api.AssertRefreshRefusedAsync(pair.RefreshToken);
    }
}

public sealed class FunctionsLongGraceHostFixture(AzuriteFixture azurite) : LongGraceHostFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

[Collection(AzuriteCollection.Name)]
public sealed class RefreshTokenTestsOnAspNetCore(LongGraceHostFixture fixture) : RefreshTokenTests(fixture), IClassFixture<LongGraceHostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class RefreshTokenTestsOnFunctions(FunctionsLongGraceHostFixture fixture) : RefreshTokenTests(fixture), IClassFixture<FunctionsLongGraceHostFixture>;
