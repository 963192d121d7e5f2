using System.Net;
using System.Text.Json;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>Reading and asserting responses.</summary>
public static class Responses
{
    public static IReadOnlyList<SetCookie> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(SetCookie.Parse).ToList() : [];

    /// <summary>The one Set-Cookie for the session cookie; fails when there is none or several.</summary>
    public static SetCookie SessionCookie(HttpResponseMessage response)
    {
        var cookies = SetCookies(response).Where(c => c.Name == AuthApiClient.CookieName).ToList();
        Assert.True(cookies.Count == 1, $"Expected exactly one Set-Cookie for {AuthApiClient.CookieName}, got {cookies.Count}: {string.Join(" | ", cookies.Select(c => c.Raw))}");
        return cookies[0];
    }

    public static void AssertNoSessionCookie(HttpResponseMessage response) =>
        Assert.DoesNotContain(SetCookies(response), c => c.Name == AuthApiClient.CookieName);

    /// <summary>No session cookie is handed out (one that clears it, with an empty value, is fine).</summary>
    public static void AssertNoSessionCookieIsSet(HttpResponseMessage response) =>
        Assert.DoesNotContain(SetCookies(response), c => c.Name == AuthApiClient.CookieName && c.Value.Length > 0);

    /// <summary>Asserts the status; on failure the message shows the body (a problem's detail says why).</summary>
    public static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"{what}: expected {(int)expected}, got {(int)response.StatusCode} {response.Headers.WwwAuthenticate}: {body}");
        }
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and <c>code</c>; returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        var body = document.RootElement.Clone();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.True(body.TryGetProperty("type", out var type) && type.GetString() is { Length: > 0 }, $"The problem has no type: {text}");
        if (status == HttpStatusCode.Unauthorized)
        {
            // RFC 9110 15.5.2: every 401 carries a challenge.
            Assert.True(response.Headers.WwwAuthenticate.Count > 0, $"A 401 without WWW-Authenticate: {text}");
        }

        if (code is "invalid_credentials" or "no_session")
        {
            AssertSessionChallenge(response);
        }

        return body;
    }

    /// <summary>The challenge of the login and token 401s: log in to get the session cookie.</summary>
    public static void AssertSessionChallenge(HttpResponseMessage response)
    {
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Cookie", challenge.Scheme);
        Assert.Contains("realm=\"serverlessauth\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("form-action=\"/api/auth/login\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains($"cookie-name=\"{AuthApiClient.CookieName}\"", challenge.Parameter, StringComparison.Ordinal);
    }

    /// <summary>The session cookie is deleted: same name, path and flags as when set, empty, expired.</summary>
    public static void AssertClearsSessionCookie(HttpResponseMessage response)
    {
        var cookie = SessionCookie(response);
        Assert.Equal("", cookie.Value);
        AssertSessionCookieAttributes(cookie);
        var expires = cookie.Expires;
        Assert.True(expires is not null, $"The clearing cookie has no Expires: {cookie.Raw}");
        Assert.True(expires < DateTimeOffset.UtcNow, $"The clearing cookie does not expire in the past: {cookie.Raw}");
        if (cookie["max-age"] is { } maxAge)
        {
            Assert.True(long.Parse(maxAge, System.Globalization.CultureInfo.InvariantCulture) <= 0, $"The clearing cookie has a positive Max-Age: {cookie.Raw}");
        }
    }

    /// <summary>The attributes every session Set-Cookie carries, whether it sets or clears.</summary>
    public static void AssertSessionCookieAttributes(SetCookie cookie)
    {
        Assert.Equal(AuthApiClient.CookieName, cookie.Name);
        Assert.Equal("/", cookie["path"]);
        Assert.True(cookie.Has("secure"), $"No Secure: {cookie.Raw}");
        Assert.True(cookie.Has("httponly"), $"No HttpOnly: {cookie.Raw}");
        Assert.Equal("strict", cookie["samesite"], ignoreCase: true);
        Assert.False(cookie.Has("domain"), $"A __Host- cookie may not have Domain: {cookie.Raw}");
    }

    public static async Task AssertInvalidTokenAsync(HttpResponseMessage response)
    {
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_token");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("error_description=\"", challenge.Parameter, StringComparison.Ordinal);
    }

    /// <summary>An RFC 6749 5.2 error: 400, JSON with that <c>error</c> and a description, not cached.</summary>
    public static async Task AssertOAuthErrorAsync(HttpResponseMessage response, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400 {error}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error_description").GetString()));
    }
}
