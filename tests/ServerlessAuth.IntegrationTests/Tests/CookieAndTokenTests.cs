using System.Net;
using System.Text.Json;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="CookieAndTokenTestsOnAspNetCore"/>, <see cref="CookieAndTokenTestsOnFunctions"/>).</summary>
public abstract class CookieAndTokenTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Login_sets_a_host_only_secure_httponly_strict_session_cookie_that_expires_with_the_session()
    {
        var user = await fixture.Host.AddUserAsync();
        var before = DateTimeOffset.UtcNow;
        using var response = await Api.LoginJsonAsync(user.Username, TestSettings.Password);
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var cookie = Responses.SessionCookie(response);
        Responses.AssertSessionCookieAttributes(cookie);

        // {userId}.{sessionId}.{secret}
        var parts = cookie.Value.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal(user.Id, parts[0]);
        Assert.All(parts.Skip(1), p => Assert.True(p.Length >= 22 && p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), p));

        var expires = cookie.Expires;
        Assert.True(expires is not null, $"No Expires: {cookie.Raw}");
        var body = await Responses.ReadJsonAsync(response);
        var sessionExpiresAt = body.GetProperty("sessionExpiresAt").GetDateTimeOffset();
        Assert.InRange(sessionExpiresAt, before + TestSettings.SessionAbsoluteLifetime - TimeSpan.FromSeconds(1), after + TestSettings.SessionAbsoluteLifetime + TimeSpan.FromSeconds(1));
        Assert.InRange(expires!.Value, sessionExpiresAt - TimeSpan.FromSeconds(1), sessionExpiresAt + TimeSpan.FromSeconds(1));
        if (cookie["max-age"] is { } maxAge)
        {
            Assert.InRange(long.Parse(maxAge, System.Globalization.CultureInfo.InvariantCulture), 1, (long)TestSettings.SessionAbsoluteLifetime.TotalSeconds + 1);
        }
    }

    [Fact]
    public async Task Logout_clears_the_cookie_with_the_same_name_path_and_flags()
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());

        using var response = await Api.LogoutAsync(login.CookieValue, null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Responses.AssertClearsSessionCookie(response);
        var cleared = Responses.SessionCookie(response);
        Assert.Equal(login.Cookie.Name, cleared.Name);
        Assert.Equal(login.Cookie["path"], cleared["path"]);
        Assert.Equal(login.Cookie["samesite"], cleared["samesite"], ignoreCase: true);
    }

    [Fact]
    public async Task Token_response_is_no_store_and_a_pinned_at_jwt_with_the_configured_lifetime()
    {
        var user = await fixture.Host.AddUserAsync();
        var login = await Api.LoginAsync(user);
        var sessionId = login.CookieValue.Split('.')[1];

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var response = await Api.TokenAsync(login.CookieValue);
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Responses.AssertNoSessionCookie(response);

        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal((long)TestSettings.AccessTokenLifetime.TotalSeconds, body.GetProperty("expires_in").GetInt64());

        var jwt = Jwt.Decode(body.GetProperty("access_token").GetString()!);
        Assert.Equal("ES256", jwt.Header.GetProperty("alg").GetString()); // the default for new deployments
        Assert.Equal("at+jwt", jwt.Header.GetProperty("typ").GetString());
        Assert.False(string.IsNullOrEmpty(jwt.Header.GetProperty("kid").GetString()));

        var payload = jwt.Payload;
        Assert.Equal(TestSettings.Issuer, payload.GetProperty("iss").GetString());
        Assert.Equal(TestSettings.Audience, Audience(payload.GetProperty("aud")));
        Assert.Equal(user.Id, payload.GetProperty("sub").GetString());
        Assert.NotEqual(user.Username, payload.GetProperty("sub").GetString());
        Assert.Equal(user.Username, payload.GetProperty("name").GetString());
        Assert.Equal(sessionId, payload.GetProperty("sid").GetString());
        Assert.False(string.IsNullOrEmpty(payload.GetProperty("jti").GetString()));

        var iat = payload.GetProperty("iat").GetInt64();
        var nbf = payload.GetProperty("nbf").GetInt64();
        var exp = payload.GetProperty("exp").GetInt64();
        Assert.InRange(iat, before - 1, after + 1);
        Assert.InRange(nbf, iat - 60, iat);
        Assert.Equal((long)TestSettings.AccessTokenLifetime.TotalSeconds, exp - iat);
    }

    [Fact]
    public async Task Every_token_has_its_own_jti_and_all_of_them_work()
    {
        var login = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var first = await Api.GetTokenAsync(login.CookieValue);
        var second = await Api.GetTokenAsync(login.CookieValue);

        Assert.NotEqual(Jwt.Decode(first).Payload.GetProperty("jti").GetString(), Jwt.Decode(second).Payload.GetProperty("jti").GetString());
        await Api.GetMeAsync(first);
        await Api.GetMeAsync(second);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("garbage")]
    [InlineData("00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Token_without_a_live_session_is_401_and_clears_the_cookie(string? cookieValue)
    {
        using var response = await Api.TokenAsync(cookieValue);

        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
        Responses.AssertClearsSessionCookie(response);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Two_session_cookies_in_one_request_are_refused()
    {
        var first = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var second = await Api.LoginAsync(await fixture.Host.AddUserAsync());
        var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/token");
        request.Headers.TryAddWithoutValidation("Cookie", $"{AuthApiClient.CookieName}={first.CookieValue}; {AuthApiClient.CookieName}={second.CookieValue}");

        using var response = await Api.Client.SendAsync(request);

        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
    }

    private static string? Audience(JsonElement aud) =>
        aud.ValueKind == JsonValueKind.Array ? Assert.Single(aud.EnumerateArray()).GetString() : aud.GetString();
}

[Collection(AzuriteCollection.Name)]
public sealed class CookieAndTokenTestsOnAspNetCore(HostFixture fixture) : CookieAndTokenTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class CookieAndTokenTestsOnFunctions(FunctionsHostFixture fixture) : CookieAndTokenTests(fixture), IClassFixture<FunctionsHostFixture>;
