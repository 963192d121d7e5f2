using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.AspNetCore;

namespace ServerlessAuth.UnitTests.AspNetCore;

/// <summary>
/// An API protected by <c>AddServerlessAuthBearer</c> on the in-memory test server, its calls to the issuer
/// answered by a <see cref="FakeIssuer"/>, on a fake clock. The background follower is not started: tests
/// run each poll themselves (<see cref="PollAsync"/>), so nothing depends on timing.
/// </summary>
public sealed class ProtectedApi : IAsyncDisposable
{
    private ProtectedApi(WebApplication app, FakeIssuer issuer, FakeTimeProvider time)
    {
        App = app;
        Issuer = issuer;
        Time = time;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public FakeIssuer Issuer { get; }

    public FakeTimeProvider Time { get; }

    public HttpClient Client { get; }

    public IssuerKey Key => Issuer.Keys[0];

    public BearerRevocationState State => App.Services.GetRequiredService<BearerRevocationState>();

    public static async Task<ProtectedApi> StartAsync(Action<ServerlessAuthBearerOptions>? configure = null, FakeIssuer? issuer = null)
    {
        issuer ??= new FakeIssuer();
        if (issuer.Keys.Count == 0)
        {
            issuer.Keys.Add(new IssuerKey("key-1"));
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(time);
        var before = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        builder.Services.AddAuthentication().AddServerlessAuthBearer(o =>
        {
            o.Issuer = FakeIssuer.Issuer;
            o.Audience = FakeIssuer.Audience;
            o.ClientId = FakeIssuer.ClientId;
            o.ClientSecret = FakeIssuer.ClientSecret;
            configure?.Invoke(o);
        });
        foreach (var follower in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && !before.Contains(d)).ToList())
        {
            builder.Services.Remove(follower);
        }

        builder.Services.AddHttpClient(ServerlessAuthBearerExtensions.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => issuer);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/hello", (HttpContext context) => TypedResults.Ok(new { sub = context.User.FindFirst("sub")?.Value, name = context.User.Identity?.Name }))
            .RequireAuthorization();
        await app.StartAsync();
        return new ProtectedApi(app, issuer, time);
    }

    /// <summary>One poll of the revocations endpoint, as the follower runs it.</summary>
    public Task PollAsync() => State.Follower.PollOnceAsync(CancellationToken.None);

    public async Task<HttpResponseMessage> HelloAsync(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/hello");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>The claims the issuer puts into an access token, issued now (real clock, as JwtBearer's expiry check).</summary>
    public static JsonObject Claims(DateTimeOffset? authTime = null, TimeSpan? lifetime = null, string? subject = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new JsonObject
        {
            ["iss"] = FakeIssuer.Issuer,
            ["aud"] = FakeIssuer.Audience,
            ["sub"] = subject ?? Guid.NewGuid().ToString("N"),
            ["sid"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["jti"] = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            ["name"] = "alice",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + (lifetime ?? TimeSpan.FromMinutes(5))).ToUnixTimeSeconds(),
            ["auth_time"] = (authTime ?? now.AddMinutes(-1)).ToUnixTimeSeconds(),
        };
    }

    public static JsonObject Header(string kid, string alg = "ES256", string typ = "at+jwt") =>
        new() { ["alg"] = alg, ["kid"] = kid, ["typ"] = typ };

    public string Token(JsonObject? claims = null) => Key.Sign(Header(Key.Kid), claims ?? Claims());

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
