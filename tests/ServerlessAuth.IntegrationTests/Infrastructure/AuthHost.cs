using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>The settings every test host runs with; tests assert against these values.</summary>
public static class TestSettings
{
    public const string Issuer = "https://auth.integration.test";
    public const string Audience = "serverlessauth-integration-tests";
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(7);
    public static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan SessionAbsoluteLifetime = TimeSpan.FromHours(3);
    public const string Password = "correct horse battery staple";
}

/// <summary>
/// One real instance of the standalone host: Kestrel over HTTPS on a loopback port, on the shared
/// Azurite, with its own (or a shared) table prefix, and an HTTP client that trusts only the test
/// certificate, follows no redirects and keeps no cookies.
/// </summary>
public sealed class AuthHost : IAsyncDisposable
{
    private AuthHost(WebApplication app, Uri baseAddress)
    {
        App = app;
        BaseAddress = baseAddress;
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsExpected(certificate);
        Client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Api = new AuthApiClient(Client);
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public AuthApiClient Api { get; }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Builds, creates the tables (and a first signing key when asked) and starts a host.</summary>
    public static async Task<AuthHost> StartAsync(string connectionString, string tablePrefix, bool addSigningKey)
    {
        string[] args =
        [
            "--environment", "Development",
            $"--AuthStorage:ConnectionString={connectionString}",
            $"--AuthStorage:TablePrefix={tablePrefix}",
            $"--Auth:Issuer={TestSettings.Issuer}",
            $"--Auth:Audience={TestSettings.Audience}",
            "--Auth:PasswordHashIterations=1000",
            // The per-address limiter would otherwise throttle a suite that logs in from one address many times a minute.
            "--Auth:LoginAttemptsPerMinute=100000",
            $"--Auth:AccessTokenLifetime={TestSettings.AccessTokenLifetime.ToString("c", CultureInfo.InvariantCulture)}",
            $"--Auth:SessionIdleTimeout={TestSettings.SessionIdleTimeout.ToString("c", CultureInfo.InvariantCulture)}",
            $"--Auth:SessionAbsoluteLifetime={TestSettings.SessionAbsoluteLifetime.ToString("c", CultureInfo.InvariantCulture)}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
        ];

        var app = ServerlessAuthWebApp.Build(args, builder =>
            builder.WebHost.ConfigureKestrel(kestrel =>
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(TestCertificate.Instance))));
        try
        {
            await app.EnsureTablesAsync();
            if (addSigningKey)
            {
                await app.Services.GetRequiredService<ISigningKeyAdministration>().AddVersionAsync(CancellationToken.None);
            }

            await app.StartAsync();
            var address = app.Urls.Single();
            var port = new Uri(address).Port;
            return new AuthHost(app, new Uri($"https://127.0.0.1:{port}/"));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a user with a fresh, unique name and <see cref="TestSettings.Password"/>.</summary>
    public Task<UserAccount> AddUserAsync(string? username = null) =>
        Service<UserAdministration>().AddAsync(username ?? NewUsername(), TestSettings.Password, CancellationToken.None);

    public static string NewUsername() => "user-" + Guid.NewGuid().ToString("N")[..10];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>A host of its own, on its own table prefix, for one test class.</summary>
public sealed class HostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private AuthHost? _host;

    public AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public AuthApiClient Api => Host.Api;

    public async Task InitializeAsync() =>
        _host = await AuthHost.StartAsync(azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), addSigningKey: true);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>Two instances on the same storage and table prefix, as two scaled-out instances in Azure.</summary>
public sealed class TwoHostsFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private AuthHost? _a;
    private AuthHost? _b;

    public AuthHost A => _a ?? throw new InvalidOperationException("Host A has not started.");

    public AuthHost B => _b ?? throw new InvalidOperationException("Host B has not started.");

    public async Task InitializeAsync()
    {
        var prefix = AzuriteFixture.NewTablePrefix();
        _a = await AuthHost.StartAsync(azurite.ConnectionString, prefix, addSigningKey: true);
        _b = await AuthHost.StartAsync(azurite.ConnectionString, prefix, addSigningKey: false);
    }

    public async Task DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
    }
}
