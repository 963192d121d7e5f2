using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>A successful JSON login: what the body said and the session cookie that came with it.</summary>
public sealed record LoggedIn(string UserId, string Username, DateTimeOffset SessionExpiresAt, SetCookie Cookie)
{
    public string CookieValue => Cookie.Value;
}

/// <summary>An RFC 6749 5.1 answer of a non-cookie login or a refresh grant.</summary>
public sealed record TokenPair(string AccessToken, string RefreshToken, long ExpiresIn);

public enum ScopeVia
{
    None,
    Query,
    Json,
    Form,
}

/// <summary>Raw calls to the API; cookies are carried by hand so every attribute can be asserted.</summary>
public sealed class AuthApiClient(HttpClient client)
{
    public const string CookieName = "__Host-session";

    public HttpClient Client { get; } = client;

    public Task<HttpResponseMessage> LoginJsonAsync(string username, string password) =>
        LoginRawAsync(JsonSerializer.Serialize(new { username, password }), "application/json");

    public Task<HttpResponseMessage> LoginRawAsync(string body, string mediaType) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        });

    public Task<HttpResponseMessage> LoginFormAsync(params (string Name, string Value)[] fields) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        });

    /// <summary>JSON login that must succeed.</summary>
    public async Task<LoggedIn> LoginAsync(UserAccount user, string password = TestSettings.Password)
    {
        using var response = await LoginJsonAsync(user.Username, password);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "login");
        var body = await Responses.ReadJsonAsync(response);
        return new LoggedIn(
            body.GetProperty("userId").GetString()!,
            body.GetProperty("username").GetString()!,
            body.GetProperty("sessionExpiresAt").GetDateTimeOffset(),
            Responses.SessionCookie(response));
    }

    /// <summary><c>POST login?useCookies=false</c> with a JSON body.</summary>
    public Task<HttpResponseMessage> LoginForTokensRawAsync(string username, string password, string? userAgent = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/login?useCookies=false")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { username, password }), Encoding.UTF8, "application/json"),
        };
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        return Client.SendAsync(request);
    }

    /// <summary>Non-cookie login that must succeed.</summary>
    public async Task<TokenPair> LoginForTokensAsync(UserAccount user, string? userAgent = null)
    {
        using var response = await LoginForTokensRawAsync(user.Username, TestSettings.Password, userAgent);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "login?useCookies=false");
        return await ReadPairAsync(response);
    }

    /// <summary>The refresh grant, as a form body (RFC 6749 6) or JSON.</summary>
    public Task<HttpResponseMessage> RefreshRawAsync(string? refreshToken, bool asJson = false, string grantType = "refresh_token")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/token")
        {
            Content = asJson
                ? new StringContent(JsonSerializer.Serialize(new Dictionary<string, string?> { ["grant_type"] = grantType, ["refresh_token"] = refreshToken }), Encoding.UTF8, "application/json")
                : new FormUrlEncodedContent(refreshToken is null
                    ? [KeyValuePair.Create("grant_type", grantType)]
                    : [KeyValuePair.Create("grant_type", grantType), KeyValuePair.Create("refresh_token", refreshToken)]),
        };
        return Client.SendAsync(request);
    }

    /// <summary>A refresh grant that must succeed.</summary>
    public async Task<TokenPair> RefreshAsync(string refreshToken, bool asJson = false)
    {
        using var response = await RefreshRawAsync(refreshToken, asJson);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "refresh grant");
        return await ReadPairAsync(response);
    }

    /// <summary>A refresh grant that must be refused with RFC 6749 5.2 <c>invalid_grant</c>.</summary>
    public async Task AssertRefreshRefusedAsync(string refreshToken)
    {
        using var response = await RefreshRawAsync(refreshToken);
        await Responses.AssertOAuthErrorAsync(response, "invalid_grant");
    }

    private static async Task<TokenPair> ReadPairAsync(HttpResponseMessage response)
    {
        var body = await Responses.ReadJsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        return new TokenPair(
            body.GetProperty("access_token").GetString()!,
            body.GetProperty("refresh_token").GetString()!,
            body.GetProperty("expires_in").GetInt64());
    }

    public Task<HttpResponseMessage> SessionsAsync(string? accessToken) => WithBearer(HttpMethod.Get, "api/auth/sessions", accessToken);

    public Task<HttpResponseMessage> EndSessionAsync(string? accessToken, string sessionId) =>
        WithBearer(HttpMethod.Delete, $"api/auth/sessions/{Uri.EscapeDataString(sessionId)}", accessToken);

    /// <summary>The caller's sessions, which must be listed.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetSessionsAsync(string accessToken)
    {
        using var response = await SessionsAsync(accessToken);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "sessions");
        return [.. (await Responses.ReadJsonAsync(response)).GetProperty("sessions").EnumerateArray()];
    }

    /// <summary>Logout with a refresh token in the JSON body.</summary>
    public Task<HttpResponseMessage> LogoutWithRefreshTokenAsync(string refreshToken, string? scope = null) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/auth/logout")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string?> { ["scope"] = scope, ["refresh_token"] = refreshToken }), Encoding.UTF8, "application/json"),
        });

    private Task<HttpResponseMessage> WithBearer(HttpMethod method, string path, string? accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> TokenAsync(string? cookieValue)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/token");
        WithCookie(request, cookieValue);
        return Client.SendAsync(request);
    }

    /// <summary>Token request that must succeed; returns the access token.</summary>
    public async Task<string> GetTokenAsync(string cookieValue)
    {
        using var response = await TokenAsync(cookieValue);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "token");
        return (await Responses.ReadJsonAsync(response)).GetProperty("access_token").GetString()!;
    }

    public Task<HttpResponseMessage> MeAsync(string? accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/auth/me");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return Client.SendAsync(request);
    }

    /// <summary>The claims /me reports for a token that must be accepted.</summary>
    public async Task<JsonElement> GetMeAsync(string accessToken)
    {
        using var response = await MeAsync(accessToken);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "me");
        return await Responses.ReadJsonAsync(response);
    }

    public Task<HttpResponseMessage> LogoutAsync(string? cookieValue, string? accessToken, string? scope = null, ScopeVia via = ScopeVia.Json)
    {
        var path = via == ScopeVia.Query && scope is not null ? $"api/auth/logout?scope={Uri.EscapeDataString(scope)}" : "api/auth/logout";
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        WithCookie(request, cookieValue);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        request.Content = via switch
        {
            ScopeVia.Json => new StringContent(scope is null ? "{}" : JsonSerializer.Serialize(new { scope }), Encoding.UTF8, "application/json"),
            ScopeVia.Form => new FormUrlEncodedContent(scope is null ? [] : [KeyValuePair.Create("scope", scope)]),
            _ => null,
        };
        return Client.SendAsync(request);
    }

    /// <summary>
    /// How soon a revocation must be seen by every instance of a test host (Replica mode, 200 ms polls):
    /// a bound against a hang on a loaded machine, not a measurement (docs/benchmarks.md has those).
    /// </summary>
    public static readonly TimeSpan RevocationBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// /me refuses the token as invalid_token within <see cref="RevocationBound"/>; until then it may
    /// only still accept it (200), never answer anything else.
    /// </summary>
    public async Task<TimeSpan> AssertRefusedWithinBoundAsync(string accessToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var me = await MeAsync(accessToken);
            if (me.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                await Responses.AssertInvalidTokenAsync(me);
                return watch.Elapsed;
            }

            Assert.Equal(System.Net.HttpStatusCode.OK, me.StatusCode);
            if (watch.Elapsed > RevocationBound)
            {
                Assert.Fail($"The token was still accepted {RevocationBound.TotalSeconds:0.#} s after it was revoked.");
            }

            await Task.Delay(20);
        }
    }

    public Task<HttpResponseMessage> HealthAsync() => Client.GetAsync("api/health");

    /// <summary>POST /api/auth/introspect or /revoke with a form body; <paramref name="authorization"/> is the whole header value.</summary>
    public Task<HttpResponseMessage> PostTokenFormAsync(string path, string? authorization, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> IntrospectRawAsync(string? authorization, string token, string? hint = null) =>
        PostTokenFormAsync("api/auth/introspect", authorization, hint is null ? [("token", token)] : [("token", token), ("token_type_hint", hint)]);

    /// <summary>An introspection that must answer 200; returns its body.</summary>
    public async Task<JsonElement> IntrospectAsync(string authorization, string token, string? hint = null)
    {
        using var response = await IntrospectRawAsync(authorization, token, hint);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "introspect");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return await Responses.ReadJsonAsync(response);
    }

    public Task<HttpResponseMessage> RevokeAsync(string token, string? hint = null, string? authorization = null) =>
        PostTokenFormAsync("api/auth/revoke", authorization, hint is null ? [("token", token)] : [("token", token), ("token_type_hint", hint)]);

    public Task<HttpResponseMessage> RevocationsAsync(string? authorization, string? query = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "api/auth/revocations" + query);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return Client.SendAsync(request);
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
        Client.SendAsync(new HttpRequestMessage(method, path));

    private static void WithCookie(HttpRequestMessage request, string? cookieValue)
    {
        if (cookieValue is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", $"{CookieName}={cookieValue}");
        }
    }
}
