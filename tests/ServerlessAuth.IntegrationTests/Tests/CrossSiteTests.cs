using System.Net;
using System.Text;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>A host that lists one browser origin in <c>Auth:AllowedOrigins</c>.</summary>
public class AllowedOriginHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    public const string AllowedOrigin = "https://app.example";

    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:AllowedOrigins:0"] = AllowedOrigin,
    };
}

/// <summary>
/// Cross-site refusal of POSTs (Origin / Sec-Fetch-Site), CORS only for configured origins, and the
/// headers every response carries. (Form login's local-only returnUrl is covered in LoginTests.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public abstract class CrossSiteTests(AllowedOriginHostFixture configured, HostFixture closed)
{
    private const string Evil = "https://evil.example";

    private static HttpRequestMessage Post(string path, LoggedIn? login, string? token = null, string? origin = null, string? fetchSite = null, string? body = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (login is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", $"{AuthApiClient.CookieName}={login.CookieValue}");
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", fetchSite);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static async Task<(LoggedIn Login, string Token)> SessionAsync(AuthHost host)
    {
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        return (login, await host.Api.GetTokenAsync(login.CookieValue));
    }

    private static async Task AssertStillWorksAsync(AuthHost host, LoggedIn login, string token)
    {
        await host.Api.GetMeAsync(token);
        await host.Api.GetMeAsync(await host.Api.GetTokenAsync(login.CookieValue));
    }

    public static TheoryData<string?, string?> ForeignSignals => new()
    {
        { Evil, null },
        { Evil, "same-origin" },          // Origin decides when present.
        { "null", null },                 // Sandboxed frames and some redirects send "null".
        { "null", "cross-site" },         // "null" counts as ours only with Sec-Fetch-Site: same-origin.
        { "null", "same-site" },
        { Evil.ToUpperInvariant(), null },
        { null, "cross-site" },
        { null, "same-site" },
    };

    [Theory]
    [MemberData(nameof(ForeignSignals))]
    public async Task A_cross_site_post_to_token_or_logout_is_refused_and_changes_nothing(string? origin, string? fetchSite)
    {
        var host = configured.Host;
        var (login, token) = await SessionAsync(host);

        using (var tokenResponse = await host.Client.SendAsync(Post("api/auth/token", login, origin: origin, fetchSite: fetchSite)))
        {
            await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Forbidden, "cross_site_request");
            Assert.Empty(Responses.SetCookies(tokenResponse));
            Assert.False(tokenResponse.Headers.Contains("Access-Control-Allow-Origin"));
        }

        foreach (var scope in new[] { "local", "global" })
        {
            using var logout = await host.Client.SendAsync(Post("api/auth/logout", login, token, origin, fetchSite, $"{{\"scope\":\"{scope}\"}}"));
            await Responses.AssertProblemAsync(logout, HttpStatusCode.Forbidden, "cross_site_request");
            Assert.Empty(Responses.SetCookies(logout));
        }

        using (var loginResponse = await host.Client.SendAsync(Post("api/auth/login", null, origin: origin, fetchSite: fetchSite,
            body: $"{{\"username\":\"{login.Username}\",\"password\":\"{TestSettings.Password}\"}}")))
        {
            await Responses.AssertProblemAsync(loginResponse, HttpStatusCode.Forbidden, "cross_site_request");
            Assert.Empty(Responses.SetCookies(loginResponse));
        }

        // Nothing changed: the session and its token still work.
        await AssertStillWorksAsync(host, login, token);
    }

    [Fact]
    public async Task The_hosts_own_origin_and_same_origin_fetches_are_allowed()
    {
        var host = configured.Host;
        var (login, _) = await SessionAsync(host);

        using (var own = await host.Client.SendAsync(Post("api/auth/token", login, origin: host.Origin)))
        {
            await Responses.AssertStatusAsync(own, HttpStatusCode.OK, $"token with Origin {host.Origin}");
            Assert.False(own.Headers.Contains("Access-Control-Allow-Origin"));
        }

        using (var sameOrigin = await host.Client.SendAsync(Post("api/auth/token", login, fetchSite: "same-origin")))
        {
            await Responses.AssertStatusAsync(sameOrigin, HttpStatusCode.OK, "token with Sec-Fetch-Site: same-origin");
        }

        using (var typed = await host.Client.SendAsync(Post("api/auth/token", login, fetchSite: "none")))
        {
            await Responses.AssertStatusAsync(typed, HttpStatusCode.OK, "token with Sec-Fetch-Site: none (typed by the user)");
        }

        using var logout = await host.Client.SendAsync(Post("api/auth/logout", login, origin: host.Origin, fetchSite: "same-origin", body: "{}"));
        await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout from the own origin");
        Responses.AssertClearsSessionCookie(logout);
        using var ended = await host.Api.TokenAsync(login.CookieValue);
        await Responses.AssertProblemAsync(ended, HttpStatusCode.Unauthorized, "no_session");
    }

    [Fact]
    public async Task A_configured_origin_may_post_with_credentials_and_gets_CORS_headers_for_itself_only()
    {
        var host = configured.Host;
        var (login, token) = await SessionAsync(host);
        const string Allowed = AllowedOriginHostFixture.AllowedOrigin;

        using (var tokenResponse = await host.Client.SendAsync(Post("api/auth/token", login, origin: Allowed, fetchSite: "cross-site")))
        {
            await Responses.AssertStatusAsync(tokenResponse, HttpStatusCode.OK, "token from the allowed origin");
            Assert.Equal(Allowed, Assert.Single(tokenResponse.Headers.GetValues("Access-Control-Allow-Origin")));
            Assert.Equal("true", Assert.Single(tokenResponse.Headers.GetValues("Access-Control-Allow-Credentials")));
            Assert.Contains("Origin", tokenResponse.Headers.Vary);
        }

        using (var me = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/auth/me")
        {
            Headers = { { "Origin", Allowed }, { "Authorization", "Bearer " + token } },
        }))
        {
            await Responses.AssertStatusAsync(me, HttpStatusCode.OK, "me from the allowed origin");
            Assert.Equal(Allowed, Assert.Single(me.Headers.GetValues("Access-Control-Allow-Origin")));
        }

        // A look-alike of the allowed origin is foreign.
        foreach (var lookAlike in new[] { Allowed + ".evil.example", "http://app.example", Allowed + ":8443", "https://evil.app.example" })
        {
            using var refused = await host.Client.SendAsync(Post("api/auth/token", login, origin: lookAlike));
            await Responses.AssertProblemAsync(refused, HttpStatusCode.Forbidden, "cross_site_request");
            Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"), lookAlike);
        }

        using var logout = await host.Client.SendAsync(Post("api/auth/logout", login, token, Allowed, body: "{}"));
        await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout from the allowed origin");
        Assert.Equal(Allowed, Assert.Single(logout.Headers.GetValues("Access-Control-Allow-Origin")));
        await host.Api.AssertRefusedWithinBoundAsync(token);
    }

    [Theory]
    [InlineData("api/auth/token", "POST")]
    [InlineData("api/auth/logout", "POST")]
    [InlineData("api/auth/login", "POST")]
    [InlineData("api/auth/me", "GET")]
    public async Task A_preflight_from_a_configured_origin_gets_204_with_the_allowed_method(string path, string method)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path)
        {
            Headers =
            {
                { "Origin", AllowedOriginHostFixture.AllowedOrigin },
                { "Access-Control-Request-Method", method },
                { "Access-Control-Request-Headers", "authorization, content-type" },
            },
        };

        using var response = await configured.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AllowedOriginHostFixture.AllowedOrigin, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("true", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Credentials")));
        Assert.Contains(method, string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.Contains("authorization", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_preflight_from_another_origin_gets_no_CORS_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "api/auth/token")
        {
            Headers = { { "Origin", Evil }, { "Access-Control-Request-Method", "POST" } },
        };

        using var response = await configured.Host.Client.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(response.StatusCode < HttpStatusCode.InternalServerError, $"{(int)response.StatusCode}");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task With_no_origins_configured_no_response_carries_CORS_headers_and_foreign_posts_are_refused()
    {
        var host = closed.Host;
        var (login, token) = await SessionAsync(host);
        var requests = new List<HttpRequestMessage>();
        foreach (var origin in new[] { AllowedOriginHostFixture.AllowedOrigin, Evil, host.Origin })
        {
            requests.Add(Post("api/auth/token", login, origin: origin));
            requests.Add(Post("api/auth/logout", null, origin: origin, body: "{}"));
            requests.Add(new HttpRequestMessage(HttpMethod.Get, "api/auth/me") { Headers = { { "Origin", origin }, { "Authorization", "Bearer " + token } } });
            requests.Add(new HttpRequestMessage(HttpMethod.Options, "api/auth/token") { Headers = { { "Origin", origin }, { "Access-Control-Request-Method", "POST" } } });
            requests.Add(new HttpRequestMessage(HttpMethod.Get, "api/health") { Headers = { { "Origin", origin } } });
        }

        foreach (var request in requests)
        {
            var what = $"{request.Method} {request.RequestUri} from {string.Join(",", request.Headers.GetValues("Origin"))}";
            using var response = await host.Client.SendAsync(request);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), what);
            Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), what);
            Assert.True(response.StatusCode < HttpStatusCode.InternalServerError, $"{what}: {(int)response.StatusCode}");
            request.Dispose();
        }

        using var foreign = await host.Client.SendAsync(Post("api/auth/token", login, origin: AllowedOriginHostFixture.AllowedOrigin));
        await Responses.AssertProblemAsync(foreign, HttpStatusCode.Forbidden, "cross_site_request");
        await AssertStillWorksAsync(host, login, token);
    }

    [Fact]
    public async Task Every_response_is_nosniff_and_every_auth_response_is_no_store()
    {
        var host = configured.Host;
        var (login, token) = await SessionAsync(host);
        var user = await host.AddUserAsync();

        var requests = new (string What, int Status, Func<HttpRequestMessage> Request)[]
        {
            ("login 200", 200, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = Json($"{{\"username\":\"{user.Username}\",\"password\":\"{TestSettings.Password}\"}}") }),
            ("login 303", 303, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = new FormUrlEncodedContent([KeyValuePair.Create("username", user.Username), KeyValuePair.Create("password", TestSettings.Password)]) }),
            ("login 400", 400, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = Json("{") }),
            ("login 401", 401, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = Json($"{{\"username\":\"{user.Username}\",\"password\":\"nope nope\"}}") }),
            ("login 403", 403, () => Post("api/auth/login", null, origin: Evil, body: "{}")),
            ("login 405", 405, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/login")),
            ("login 413", 413, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = Json(new string(' ', 5000)) }),
            ("login 415", 415, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/login") { Content = new StringContent("x", Encoding.UTF8, "text/plain") }),
            ("token 200", 200, () => Post("api/auth/token", login)),
            ("token 401", 401, () => Post("api/auth/token", null)),
            ("token 403", 403, () => Post("api/auth/token", login, origin: Evil)),
            ("token 405", 405, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/token")),
            ("token preflight 204", 204, () => new HttpRequestMessage(HttpMethod.Options, "api/auth/token") { Headers = { { "Origin", AllowedOriginHostFixture.AllowedOrigin }, { "Access-Control-Request-Method", "POST" } } }),
            ("me 200", 200, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/me") { Headers = { { "Authorization", "Bearer " + token } } }),
            ("me 401 missing", 401, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/me")),
            ("me 401 invalid", 401, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/me") { Headers = { { "Authorization", "Bearer x.y.z" } } }),
            ("me 405", 405, () => new HttpRequestMessage(HttpMethod.Post, "api/auth/me")),
            ("logout 400", 400, () => Post("api/auth/logout", null, body: "{\"scope\":\"everything\"}")),
            ("logout 403", 403, () => Post("api/auth/logout", login, origin: Evil, body: "{}")),
            ("logout 405", 405, () => new HttpRequestMessage(HttpMethod.Get, "api/auth/logout")),
            ("logout 200", 200, () => Post("api/auth/logout", login, token, body: "{}")),
            ("health 200", 200, () => new HttpRequestMessage(HttpMethod.Get, "api/health")),
            ("health 405", 405, () => new HttpRequestMessage(HttpMethod.Post, "api/health")),
        };

        foreach (var (what, status, build) in requests)
        {
            using var request = build();
            using var response = await host.Client.SendAsync(request);
            Assert.True(status == (int)response.StatusCode, $"{what}: got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", $"{what}: no X-Content-Type-Options: nosniff");
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{what}: Cache-Control is '{response.Headers.CacheControl}'");
            Assert.True(response.Headers.Pragma.Any(p => p.Name == "no-cache"), $"{what}: Pragma is '{response.Headers.Pragma}'");
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

public sealed class FunctionsAllowedOriginHostFixture(AzuriteFixture azurite) : AllowedOriginHostFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

[Collection(AzuriteCollection.Name)]
public sealed class CrossSiteTestsOnAspNetCore(AllowedOriginHostFixture configured, HostFixture closed)
    : CrossSiteTests(configured, closed), IClassFixture<AllowedOriginHostFixture>, IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class CrossSiteTestsOnFunctions(FunctionsAllowedOriginHostFixture configured, FunctionsHostFixture closed)
    : CrossSiteTests(configured, closed), IClassFixture<FunctionsAllowedOriginHostFixture>, IClassFixture<FunctionsHostFixture>;
