using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Admin;

/// <summary>
/// A table prefix of its own on the shared Azurite, the admin CLI pointed at it, and (when asked) an
/// <see cref="AuthHost"/> serving the same prefix, so what the CLI does can be checked over HTTP.
/// </summary>
public sealed class AdminScenario : IAsyncDisposable
{
    private readonly AuthHost? _host;

    private AdminScenario(AzuriteFixture azurite, string tablePrefix, AuthHost? host)
    {
        Azurite = azurite;
        TablePrefix = tablePrefix;
        Cli = AdminCli.For(azurite.ConnectionString, tablePrefix);
        _host = host;
    }

    public AzuriteFixture Azurite { get; }

    public string TablePrefix { get; }

    public AdminCli Cli { get; }

    public AuthHost Host => _host ?? throw new InvalidOperationException("This scenario was started without a host.");

    public AuthApiClient Api => Host.Api;

    /// <summary>
    /// A fresh prefix. With a host: its tables and a first signing key are created by the host, as
    /// every test host does; without: nothing exists yet (run <c>setup</c>).
    /// </summary>
    public static async Task<AdminScenario> StartAsync(AzuriteFixture azurite, bool withHost, Action<WebApplicationBuilder>? configureHost = null)
    {
        var prefix = AzuriteFixture.NewTablePrefix();
        var host = withHost
            ? await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { TablePrefix = prefix, AddSigningKey = true, Configure = configureHost })
            : null;
        return new AdminScenario(azurite, prefix, host);
    }

    /// <summary>A host on this scenario's prefix, started now (e.g. after the CLI created the tables and a key).</summary>
    public Task<AuthHost> StartHostAsync() =>
        AuthHost.StartAsync(Azurite.ConnectionString, new AuthHostOptions { TablePrefix = TablePrefix, AddSigningKey = false });

    /// <summary><c>users add</c> with the password on stdin, as an operator pipes it.</summary>
    public Task<CliRun> AddUserAsync(string username, string password) =>
        Cli.RunAsync(["users", "add", username], password + "\n");

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>One <see cref="AdminScenario"/> with a host, shared by the tests of a class (each uses its own usernames).</summary>
public sealed class AdminScenarioFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private AdminScenario? _scenario;

    public AdminScenario Scenario => _scenario ?? throw new InvalidOperationException("The scenario has not started.");

    public async Task InitializeAsync() => _scenario = await AdminScenario.StartAsync(azurite, withHost: true);

    public async Task DisposeAsync()
    {
        if (_scenario is not null)
        {
            await _scenario.DisposeAsync();
        }
    }
}

/// <summary>A session obtained over HTTP: the cookie value, its session id, and an access token from it.</summary>
public sealed record HttpSession(string CookieValue, string SessionId, string AccessToken);

/// <summary>HTTP steps the admin tests repeat, for users that exist only by name (the CLI made them).</summary>
public static class AdminHttp
{
    /// <summary>JSON login that must succeed, with a chosen User-Agent; then one token from the new cookie.</summary>
    public static async Task<HttpSession> LoginAsync(AuthApiClient api, string username, string password, string? userAgent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { username, password }), Encoding.UTF8, "application/json"),
        };
        if (userAgent is not null)
        {
            // A browser's User-Agent has comments in parentheses that the typed header parser refuses.
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        using var response = await api.Client.SendAsync(request);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, $"login of '{username}'");
        var cookie = Responses.SessionCookie(response).Value;
        Assert.True(SessionCookieValue.TryParse(cookie, out var parsed), $"Not a session cookie value: {cookie}");
        return new HttpSession(cookie, parsed.SessionId, await api.GetTokenAsync(cookie));
    }

    /// <summary>The login response body with its per-request trace id removed, for comparing refusals.</summary>
    public static async Task<string> RefusedLoginBodyAsync(AuthApiClient api, string username, string password)
    {
        using var response = await api.LoginJsonAsync(username, password);
        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_credentials");
        Responses.AssertNoSessionCookie(response);
        var body = await Responses.ReadJsonAsync(response);
        return JsonSerializer.Serialize(body.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value.ToString()));
    }

    /// <summary>The cookie buys no token any more (401 no_session).</summary>
    public static async Task AssertCookieRefusedAsync(AuthApiClient api, string cookieValue)
    {
        using var response = await api.TokenAsync(cookieValue);
        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
    }

    /// <summary>The token is refused by /me (401 invalid_token).</summary>
    public static Task AssertTokenRefusedAsync(AuthApiClient api, string accessToken) =>
        api.AssertRefusedWithinBoundAsync(accessToken);

    /// <summary>The cookie still buys tokens and its earlier token is still accepted.</summary>
    public static async Task AssertSessionWorksAsync(AuthApiClient api, HttpSession session)
    {
        await api.GetMeAsync(session.AccessToken);
        await api.GetTokenAsync(session.CookieValue);
    }
}
