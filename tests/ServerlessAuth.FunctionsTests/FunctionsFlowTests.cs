using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessAuth.Functions;
using ServerlessAuth.FunctionsTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Users;

namespace ServerlessAuth.FunctionsTests;

/// <summary>
/// Each function, called as the worker calls it (an HttpRequest whose RequestServices is a scope of the
/// Functions container), on a real Azurite: every service an endpoint asks for on its success path
/// must come from the Functions app's own composition.
/// </summary>
public sealed class FunctionsFlowTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Login_token_me_logout_and_health_succeed_through_the_functions()
    {
        using var host = await StartAsync();
        var username = "user-" + Guid.NewGuid().ToString("N")[..10];
        await host.Services.GetRequiredService<UserAdministration>().AddAsync(username, Password, CancellationToken.None);

        var login = await InvokeAsync(host, AuthFunctions.LoginAsync, "POST", "/api/auth/login",
            body: JsonSerializer.Serialize(new { username, password = Password }));
        Assert.Equal(StatusCodes.Status200OK, login.Status);
        var cookie = login.Headers.SetCookie.ToString().Split(';')[0];
        Assert.StartsWith("__Host-session=", cookie, StringComparison.Ordinal);

        var token = await InvokeAsync(host, AuthFunctions.TokenAsync, "POST", "/api/auth/token", cookie: cookie);
        Assert.Equal(StatusCodes.Status200OK, token.Status);
        var accessToken = token.Json.GetProperty("access_token").GetString()!;

        // The worker is not started here, so neither is its feed follower: poll as it would.
        var follower = host.Services.GetRequiredService<RevocationFeedFollower>();
        await follower.PollOnceAsync(CancellationToken.None);
        var me = await InvokeAsync(host, AuthFunctions.MeAsync, "GET", "/api/auth/me", bearer: accessToken);
        Assert.Equal(StatusCodes.Status200OK, me.Status);
        Assert.Equal(username, me.Json.GetProperty("name").GetString());

        var logout = await InvokeAsync(host, AuthFunctions.LogoutAsync, "POST", "/api/auth/logout", cookie: cookie, bearer: accessToken);
        Assert.Equal(StatusCodes.Status200OK, logout.Status);

        await follower.PollOnceAsync(CancellationToken.None);
        var afterLogout = await InvokeAsync(host, AuthFunctions.MeAsync, "GET", "/api/auth/me", bearer: accessToken);
        Assert.Equal(StatusCodes.Status401Unauthorized, afterLogout.Status);

        var health = await InvokeAsync(host, AuthFunctions.HealthAsync, "GET", "/api/health");
        Assert.Equal(StatusCodes.Status200OK, health.Status);
        Assert.Equal("healthy", health.Json.GetProperty("status").GetString());
        Assert.Equal("reachable", health.Json.GetProperty("checks").GetProperty("storage").GetString());
    }

    [Fact]
    public async Task Refresh_tokens_and_the_sessions_api_work_through_the_functions()
    {
        using var host = await StartAsync();
        var username = "user-" + Guid.NewGuid().ToString("N")[..10];
        await host.Services.GetRequiredService<UserAdministration>().AddAsync(username, Password, CancellationToken.None);

        var login = await InvokeAsync(host, AuthFunctions.LoginAsync, "POST", "/api/auth/login",
            body: JsonSerializer.Serialize(new { username, password = Password }), query: "?useCookies=false");
        Assert.Equal(StatusCodes.Status200OK, login.Status);
        Assert.Empty(login.Headers.SetCookie.ToString());
        var refreshToken = login.Json.GetProperty("refresh_token").GetString()!;

        var refreshed = await InvokeAsync(host, AuthFunctions.TokenAsync, "POST", "/api/auth/token",
            body: JsonSerializer.Serialize(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }));
        Assert.Equal(StatusCodes.Status200OK, refreshed.Status);
        Assert.NotEqual(refreshToken, refreshed.Json.GetProperty("refresh_token").GetString());
        var accessToken = refreshed.Json.GetProperty("access_token").GetString()!;

        await host.Services.GetRequiredService<RevocationFeedFollower>().PollOnceAsync(CancellationToken.None);
        var sessions = await InvokeAsync(host, AuthFunctions.SessionsAsync, "GET", "/api/auth/sessions", bearer: accessToken);
        Assert.Equal(StatusCodes.Status200OK, sessions.Status);
        var session = Assert.Single(sessions.Json.GetProperty("sessions").EnumerateArray().ToList());
        Assert.Equal("refresh_token", session.GetProperty("kind").GetString());
        Assert.True(session.GetProperty("current").GetBoolean());

        var id = session.GetProperty("id").GetString()!;
        var ended = await InvokeAsync(host, AuthFunctions.EndSessionAsync, "DELETE", $"/api/auth/sessions/{id}", bearer: accessToken);
        Assert.Equal(StatusCodes.Status204NoContent, ended.Status);
        var afterEnd = await InvokeAsync(host, AuthFunctions.TokenAsync, "POST", "/api/auth/token",
            body: JsonSerializer.Serialize(new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshed.Json.GetProperty("refresh_token").GetString()! }));
        Assert.Equal(StatusCodes.Status400BadRequest, afterEnd.Status);
        Assert.Equal("invalid_grant", afterEnd.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task The_purge_timer_runs_against_storage()
    {
        using var host = await StartAsync();
        using var scope = host.Services.CreateScope();
        var purge = ActivatorUtilities.CreateInstance<PurgeExpiredFunction>(scope.ServiceProvider);

        await purge.RunAsync(new TimerInfo(), CancellationToken.None);
    }

    private async Task<IHost> StartAsync()
    {
        var host = FunctionsApp.Build(Environments.Development, new Dictionary<string, string?>
        {
            ["AuthStorage:ConnectionString"] = azurite.ConnectionString,
            ["AuthStorage:TablePrefix"] = AzuriteFixture.NewTablePrefix(),
            ["Auth:PasswordHashIterations"] = "1000",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        await host.Services.GetRequiredService<AuthTables>().CreateAllAsync(CancellationToken.None);
        await host.Services.GetRequiredService<ISigningKeyAdministration>().AddVersionAsync(CancellationToken.None);
        return host;
    }

    private sealed record Answer(int Status, IHeaderDictionary Headers, string Body)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private static async Task<Answer> InvokeAsync(
        IHost host, Func<HttpRequest, Task<IResult>> function, string method, string path,
        string? body = null, string? cookie = null, string? bearer = null, string? query = null)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        var request = context.Request;
        request.Method = method;
        request.Scheme = "https";
        request.Host = new HostString("func-api.test");
        request.Path = path;
        if (query is not null)
        {
            request.QueryString = new QueryString(query);
        }
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            request.ContentType = "application/json";
            request.ContentLength = bytes.Length;
            request.Body = new MemoryStream(bytes);
        }

        if (cookie is not null)
        {
            request.Headers.Cookie = cookie;
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = "Bearer " + bearer;
        }

        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;

        // What the ASP.NET Core integration does with a function's IResult.
        var result = await function(request);
        await result.ExecuteAsync(context);
        return new Answer(context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(responseBody.ToArray()));
    }
}
