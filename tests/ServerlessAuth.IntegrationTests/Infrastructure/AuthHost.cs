using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.FunctionsTestHost;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>The settings every test host runs with; tests assert against these values.</summary>
public static class TestSettings
{
    public const string Issuer = "https://auth.integration.test/api/auth";
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
    private AuthHost(WebApplication app, Uri baseAddress, FunctionsTestHost.FunctionsTestHost? worker)
    {
        App = app;
        BaseAddress = baseAddress;
        Worker = worker;
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

    /// <summary>
    /// The in-process ASP.NET Core host. Under <see cref="HostKind.Functions"/> it serves no test request: it
    /// shares the worker's storage and table prefix and gives tests its services (users, keys, stores), as
    /// the admin CLI would.
    /// </summary>
    public WebApplication App { get; }

    /// <summary>Under <see cref="HostKind.Functions"/>: the test host whose worker process serves <see cref="Client"/>.</summary>
    public FunctionsTestHost.FunctionsTestHost? Worker { get; }

    public HostKind Kind => Worker is null ? HostKind.AspNetCore : HostKind.Functions;

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public AuthApiClient Api { get; }

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>Where this host keeps its data: the Azurite it was started on and its table prefix.</summary>
    public string ConnectionString { get; private init; } = "";

    public string TablePrefix { get; private init; } = "";

    /// <summary>Builds, creates the tables (and a first signing key when asked) and starts a host.</summary>
    public static Task<AuthHost> StartAsync(string connectionString, string tablePrefix, bool addSigningKey) =>
        StartAsync(connectionString, new AuthHostOptions { TablePrefix = tablePrefix, AddSigningKey = addSigningKey });

    /// <summary>
    /// Builds, creates the tables (and a first signing key when asked) and starts a host. Settings are
    /// passed as command-line arguments, as for every test host; <see cref="AuthHostOptions.Settings"/>
    /// override the defaults below.
    /// </summary>
    public static async Task<AuthHost> StartAsync(string connectionString, AuthHostOptions options)
    {
        var tablePrefix = options.TablePrefix ?? AzuriteFixture.NewTablePrefix();
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["AuthStorage:ConnectionString"] = connectionString,
            ["AuthStorage:TablePrefix"] = tablePrefix,
            ["Auth:Issuer"] = TestSettings.Issuer,
            ["Auth:Audience"] = TestSettings.Audience,
            ["Auth:PasswordHashIterations"] = "1000",
            // The per-address limiter would otherwise throttle a suite that logs in from one address many times a minute.
            ["Auth:LoginAttemptsPerMinute"] = "100000",
            ["Auth:AccessTokenLifetime"] = TestSettings.AccessTokenLifetime.ToString("c", CultureInfo.InvariantCulture),
            ["Auth:SessionIdleTimeout"] = TestSettings.SessionIdleTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Auth:SessionAbsoluteLifetime"] = TestSettings.SessionAbsoluteLifetime.ToString("c", CultureInfo.InvariantCulture),
            // Fast polls keep propagation waits short; a generous staleness bound keeps a busy CI machine
            // from refusing tokens between polls (the staleness tests set their own).
            ["Revocation:PollInterval"] = "00:00:00.200",
            ["Revocation:StalenessBound"] = "00:00:20",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        string[] args = ["--environment", "Development", .. settings.Select(s => $"--{s.Key}={s.Value}")];

        // Fixtures start hosts, and a fixture that throws fails every test of its class in a millisecond
        // with only its exception to go by: say which step failed, against which storage, and when.
        var watch = Stopwatch.StartNew();
        var step = "building the host";
        WebApplication? app = null;
        try
        {
            app = ServerlessAuthWebApp.Build(args, builder =>
            {
                builder.WebHost.ConfigureKestrel(kestrel =>
                    kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(TestCertificate.Instance)));
                options.Configure?.Invoke(builder);
            });

            step = "creating the tables";
            await app.EnsureTablesAsync();
            if (options.AddSigningKey)
            {
                step = "adding a signing key";
                await app.Services.GetRequiredService<ISigningKeyAdministration>().AddVersionAsync(CancellationToken.None);
            }

            step = "starting Kestrel";
            await app.StartAsync();
            var address = app.Urls.Single();
            var port = new Uri(address).Port;
            FunctionsTestHost.FunctionsTestHost? worker = null;
            if (options.Kind == HostKind.Functions)
            {
                step = "starting the Functions worker";
                worker = await FunctionsTestHost.FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
                {
                    AppSettings = new Dictionary<string, string>(settings) { ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development" },
                    Certificate = TestCertificate.Instance,
                    ClientAddressFromForwardedFor = true,
                    Output = WorkerLog.Write,
                });
            }

            return new AuthHost(app, worker?.BaseAddress ?? new Uri($"https://127.0.0.1:{port}/"), worker)
            {
                ConnectionString = connectionString,
                TablePrefix = tablePrefix,
            };
        }
        catch (Exception ex)
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            throw new InvalidOperationException(
                $"A test host (storage {TableEndpoint(connectionString)}, table prefix '{tablePrefix}') failed {step}, "
                + $"{watch.Elapsed.TotalSeconds:0.0} s after it began: {ex.GetType().Name}: {ex.Message}",
                ex);
        }
    }

    /// <summary>Where a connection string points, without its key.</summary>
    private static string TableEndpoint(string connectionString) =>
        connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Trim().Equals("TableEndpoint", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1].Trim())
            .FirstOrDefault() ?? "(no TableEndpoint)";

    /// <summary>Another instance of the same kind on the same storage and table prefix (a scaled-out instance), with its own settings.</summary>
    public Task<AuthHost> StartSiblingAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(ConnectionString, new AuthHostOptions
        {
            TablePrefix = TablePrefix,
            AddSigningKey = false,
            Settings = settings ?? new Dictionary<string, string>(),
            Kind = Kind,
        });

    /// <summary>
    /// Waits until this host's revocation replica has completed a poll that began after this call:
    /// from then on it refuses everything revoked before the call (Replica mode).
    /// </summary>
    public async Task CaughtUpAsync()
    {
        var replica = Service<RevocationReplica>();
        var since = DateTimeOffset.UtcNow;
        await Eventually.HoldsAsync(() => Task.FromResult(replica.CurrentAsOf >= since), AuthApiClient.RevocationBound,
            "the revocation replica polls the feed", TimeSpan.FromMilliseconds(20));

        // The worker's replica lives in its own process: it polls on the same interval, so a few intervals more
        // cover its next completed poll.
        if (Worker is not null)
        {
            await Task.Delay(WorkerCatchUp);
        }
    }

    private static readonly TimeSpan WorkerCatchUp = TimeSpan.FromSeconds(1);

    /// <summary>This host's own origin, as a browser on its pages would send it.</summary>
    public string Origin => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Creates a user with a fresh, unique name and <see cref="TestSettings.Password"/>.</summary>
    public Task<UserAccount> AddUserAsync(string? username = null) =>
        Service<UserAdministration>().AddAsync(username ?? NewUsername(), TestSettings.Password, CancellationToken.None);

    public static string NewUsername() => "user-" + Guid.NewGuid().ToString("N")[..10];

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>How to start one <see cref="AuthHost"/>.</summary>
public sealed record AuthHostOptions
{
    /// <summary>null: a new, unique prefix.</summary>
    public string? TablePrefix { get; init; }

    public bool AddSigningKey { get; init; } = true;

    /// <summary>Configuration keys (<c>Auth:LockoutThreshold</c>) and values that override the test defaults.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs on the builder after the service's own registrations (e.g. to add a logger provider).</summary>
    public Action<WebApplicationBuilder>? Configure { get; init; }

    /// <summary>Which host serves the test's requests (Configure reaches only the in-process one).</summary>
    public HostKind Kind { get; init; } = HostKind.AspNetCore;
}

/// <summary>The two ways the API is served: the plain ASP.NET Core host, or the Functions worker behind the worker-protocol test host.</summary>
public enum HostKind
{
    AspNetCore,
    Functions,
}

/// <summary>A host of its own, on its own table prefix, for one test class (the ASP.NET Core host).</summary>
public class HostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Which host serves the requests; <see cref="FunctionsHostFixture"/> says Functions.</summary>
    public virtual HostKind Kind => HostKind.AspNetCore;

    private AuthHost? _host;

    public AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public AuthApiClient Api => Host.Api;

    public async Task InitializeAsync() =>
        _host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Kind = Kind });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>Two instances on the same storage and table prefix, as two scaled-out instances in Azure (Replica mode).</summary>
public class TwoHostsFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private AuthHost? _a;
    private AuthHost? _b;

    public AuthHost A => _a ?? throw new InvalidOperationException("Host A has not started.");

    public AuthHost B => _b ?? throw new InvalidOperationException("Host B has not started.");

    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        var prefix = AzuriteFixture.NewTablePrefix();
        _a = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { TablePrefix = prefix, Settings = Settings });
        _b = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { TablePrefix = prefix, AddSigningKey = false, Settings = Settings });
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

/// <summary>
/// Two instances on the same storage and table prefix whose clocks differ by <see cref="Behind"/>: <see cref="Slow"/>
/// has a <see cref="TimeProvider"/> that far behind the system clock, <see cref="Fast"/> the system clock.
/// </summary>
public sealed class SkewedTwoHostsFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>Less than the default Auth:ClockSkew (30 s), the skew the service promises to tolerate.</summary>
    public static readonly TimeSpan Behind = TimeSpan.FromSeconds(20);

    private AuthHost? _fast;
    private AuthHost? _slow;

    public AuthHost Fast => _fast ?? throw new InvalidOperationException("The fast host has not started.");

    public AuthHost Slow => _slow ?? throw new InvalidOperationException("The slow host has not started.");

    public async Task InitializeAsync()
    {
        var prefix = AzuriteFixture.NewTablePrefix();
        _fast = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { TablePrefix = prefix });
        _slow = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions
        {
            TablePrefix = prefix,
            AddSigningKey = false,
            Configure = builder => builder.Services.AddSingleton<TimeProvider>(new ShiftedTimeProvider(-Behind)),
        });
    }

    public async Task DisposeAsync()
    {
        if (_slow is not null)
        {
            await _slow.DisposeAsync();
        }

        if (_fast is not null)
        {
            await _fast.DisposeAsync();
        }
    }
}

/// <summary>Two instances in Strict mode: every protected request reads the tables.</summary>
public sealed class StrictTwoHostsFixture(AzuriteFixture azurite) : TwoHostsFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["Revocation:Mode"] = "Strict" };
}

/// <summary>
/// A host of its own, on its own table prefix, for one test class, with settings that differ from the
/// defaults (a concrete subclass per set of settings, since xunit builds fixtures by type).
/// </summary>
public abstract class ConfiguredHostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    public virtual HostKind Kind => HostKind.AspNetCore;

    private AuthHost? _host;

    public AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public AuthApiClient Api => Host.Api;

    protected abstract IReadOnlyDictionary<string, string> Settings { get; }

    public async Task InitializeAsync() =>
        _host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = Settings, Kind = Kind });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>
/// The same as <see cref="HostFixture"/>, served by the Functions worker process through the worker-protocol
/// test host: one worker per fixture.
/// </summary>
public sealed class FunctionsHostFixture(AzuriteFixture azurite) : HostFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

/// <summary>
/// The Functions workers' output goes nowhere unless SERVERLESSAUTH_WORKER_LOG names a file: then every
/// worker's lines are appended there (for a failing run; a failure's own message already has the last lines).
/// </summary>
public static class WorkerLog
{
    private static readonly string? Path = Environment.GetEnvironmentVariable("SERVERLESSAUTH_WORKER_LOG");
    private static readonly Lock Gate = new();

    public static void Write(string line)
    {
        if (Path is null)
        {
            return;
        }

        lock (Gate)
        {
            File.AppendAllText(Path, line + Environment.NewLine);
        }
    }
}
