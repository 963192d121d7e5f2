using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Processes;

/// <summary>
/// The whole deployment as separate processes: our standalone host over HTTPS on Azurite, the admin CLI,
/// and the sample protected API (ServerlessAuth.SampleApi) trusting the host's tokens through
/// ServerlessAuth.AspNetCore, with a registered API client. Everything is configured by environment
/// variables, as in production; every process is killed at the end, whatever happened.
/// </summary>
public sealed partial class ProtectedApiScenario : IAsyncDisposable
{
    public const string Audience = "sample-api";
    public const string ClientId = "sample-api";

    /// <summary>The sample API's revocation settings: fast polls, and a staleness bound a test can wait out.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan StalenessBound = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<int> _ports = [];
    private readonly string _directory;

    private ProtectedApiScenario(AzuriteFixture azurite)
    {
        _directory = Path.Combine(Path.GetTempPath(), "serverlessauth-protected-api-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        TablePrefix = AzuriteFixture.NewTablePrefix();
        HostPort = Reserve();
        ApiPort = Reserve();
        Issuer = $"https://127.0.0.1:{HostPort}/api/auth";
        Cli = AdminCli.For(azurite.ConnectionString, TablePrefix).With(new Dictionary<string, string?>
        {
            ["Auth__Issuer"] = Issuer,
            ["Auth__Audience"] = Audience,
        });
        ConnectionString = azurite.ConnectionString;

        var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsExpected(certificate);
        HostClient = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{HostPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        Auth = new AuthApiClient(HostClient);
        ApiClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string TablePrefix { get; }

    public string ConnectionString { get; }

    public int HostPort { get; }

    public int ApiPort { get; }

    public string Issuer { get; }

    public AdminCli Cli { get; }

    /// <summary>Our host's endpoints (login, token, logout).</summary>
    public AuthApiClient Auth { get; }

    public HttpClient HostClient { get; }

    /// <summary>The sample protected API.</summary>
    public HttpClient ApiClient { get; }

    public ChildProcess? Host { get; private set; }

    public ChildProcess? Api { get; private set; }

    public string ClientSecret { get; private set; } = "";

    /// <summary>For failure messages: what every process printed.</summary>
    public string Outputs => string.Join(Environment.NewLine, new[] { Host, Api }.OfType<ChildProcess>().Select(p => p.Describe()));

    public static async Task<ProtectedApiScenario> StartAsync(AzuriteFixture azurite)
    {
        var scenario = new ProtectedApiScenario(azurite);
        try
        {
            await scenario.StartAllAsync();
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync()
    {
        (await Cli.RunAsync("setup")).AssertSucceeded();
        var added = (await Cli.RunAsync("clients", "add", ClientId, "--description", "the sample protected API")).AssertSucceeded();
        ClientSecret = SecretPattern().Matches(added.StandardOutput).Select(m => m.Value).LastOrDefault()
            ?? throw new InvalidOperationException($"No client secret in the output of 'clients add'.{Environment.NewLine}{added}");

        await StartHostAsync();
        Api = ChildProcess.Start("sample API", ChildProcess.FindBuildOutput("ServerlessAuth.SampleApi", "ServerlessAuth.SampleApi.dll"),
            _directory, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Urls"] = $"http://127.0.0.1:{ApiPort}",
                ["ServerlessAuth__Issuer"] = Issuer,
                ["ServerlessAuth__Audience"] = Audience,
                ["ServerlessAuth__ClientId"] = ClientId,
                ["ServerlessAuth__ClientSecret"] = ClientSecret,
                ["ServerlessAuth__PollInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture),
                ["ServerlessAuth__StalenessBound"] = StalenessBound.ToString("c", CultureInfo.InvariantCulture),
                // The API trusts the host's test certificate as its only root: nothing in the API knows it is a test.
                ["SSL_CERT_FILE"] = WriteCertificatePem(),
                ["Logging__LogLevel__Default"] = "Warning",
            });
        // Healthy only once it has read the discovery document and the revocations with its client credentials.
        await WaitForAsync(Api, ApiClient, "health", HttpStatusCode.OK);
    }

    /// <summary>Starts (or restarts) our host on its port and waits until it answers healthy.</summary>
    public async Task StartHostAsync()
    {
        if (Host is { } previous)
        {
            await previous.DisposeAsync();
        }

        var pfx = Path.Combine(_directory, "host.pfx");
        var password = Guid.NewGuid().ToString("N");
        await File.WriteAllBytesAsync(pfx, TestCertificate.Instance.Export(X509ContentType.Pfx, password));
        Host = ChildProcess.Start("ServerlessAuth host", ChildProcess.FindBuildOutput("ServerlessAuth.WebHost", "ServerlessAuth.WebHost.dll"),
            _directory, new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["AuthStorage__ConnectionString"] = ConnectionString,
                ["AuthStorage__TablePrefix"] = TablePrefix,
                ["Auth__Issuer"] = Issuer,
                ["Auth__Audience"] = Audience,
                ["Auth__PasswordHashIterations"] = "1000",
                ["Auth__LoginAttemptsPerMinute"] = "100000",
                ["Revocation__PollInterval"] = "00:00:00.200",
                ["Revocation__StalenessBound"] = "00:00:20",
                ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{HostPort}",
                ["Kestrel__Endpoints__Https__Certificate__Path"] = pfx,
                ["Kestrel__Endpoints__Https__Certificate__Password"] = password,
                ["Logging__LogLevel__Default"] = "Warning",
            });
        await WaitForAsync(Host, HostClient, "api/health", HttpStatusCode.OK);
    }

    /// <summary>A new user (admin CLI) and a token pair for it from our host.</summary>
    public async Task<(string Username, TokenPair Tokens)> NewUserWithTokensAsync()
    {
        var username = AuthHost.NewUsername();
        (await Cli.RunAsync(["users", "add", username], TestSettings.Password + "\n")).AssertSucceeded();
        using var response = await Auth.LoginForTokensRawAsync(username, TestSettings.Password);
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "login?useCookies=false");
        var body = await Responses.ReadJsonAsync(response);
        return (username, new TokenPair(body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!, body.GetProperty("expires_in").GetInt64()));
    }

    public Task<HttpResponseMessage> HelloAsync(string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "hello");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return ApiClient.SendAsync(request);
    }

    /// <summary>
    /// The sample API refuses the token (401 invalid_token) within <see cref="AuthApiClient.RevocationBound"/>;
    /// until then it may only still accept it (200). A bound against a hang, not a measurement.
    /// </summary>
    public async Task AssertRefusedWithinBoundAsync(string accessToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await HelloAsync(accessToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                var challenge = Assert.Single(response.Headers.WwwAuthenticate);
                Assert.Equal("Bearer", challenge.Scheme);
                Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
                return;
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK,
                $"Expected 200 until refused, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}{Environment.NewLine}{Outputs}");
            Assert.True(watch.Elapsed < AuthApiClient.RevocationBound,
                $"The sample API still accepted the token {AuthApiClient.RevocationBound.TotalSeconds:0.#} s after it was revoked.{Environment.NewLine}{Outputs}");
            await Task.Delay(20);
        }
    }

    private async Task WaitForAsync(ChildProcess process, HttpClient client, string path, HttpStatusCode expected)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer yet";
        while (watch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited before it answered {(int)expected} on /{path}.{Environment.NewLine}{Outputs}");
            }

            try
            {
                using var response = await client.GetAsync(path);
                if (response.StatusCode == expected)
                {
                    return;
                }

                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{process.Name} did not answer {(int)expected} on /{path} within {StartTimeout.TotalSeconds} s (last: {last}).{Environment.NewLine}{Outputs}");
    }

    private string WriteCertificatePem()
    {
        var path = Path.Combine(_directory, "trusted-roots.pem");
        File.WriteAllText(path, TestCertificate.Instance.ExportCertificatePem());
        return path;
    }

    private int Reserve()
    {
        var port = LoopbackPorts.Reserve();
        _ports.Add(port);
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        foreach (var process in new[] { Api, Host }.OfType<ChildProcess>())
        {
            try
            {
                await process.DisposeAsync();
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }

        HostClient.Dispose();
        ApiClient.Dispose();
        foreach (var port in _ports)
        {
            LoopbackPorts.Release(port);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Stopping the scenario's processes failed.", failures);
        }
    }

    /// <summary>A 256-bit secret, base64url: 43 characters.</summary>
    [GeneratedRegex("(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")]
    private static partial Regex SecretPattern();
}

/// <summary>Its own Azurite: the scenario stops our host, and its processes start slowly beside the rest.</summary>
[CollectionDefinition(Name)]
public sealed class ProtectedApiCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (protected API processes)";
}

/// <summary>One scenario shared by the tests of a class.</summary>
public sealed class ProtectedApiFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private ProtectedApiScenario? _scenario;

    public ProtectedApiScenario Scenario => _scenario ?? throw new InvalidOperationException("The scenario has not started.");

    public async Task InitializeAsync() => _scenario = await ProtectedApiScenario.StartAsync(azurite);

    public async Task DisposeAsync()
    {
        if (_scenario is not null)
        {
            await _scenario.DisposeAsync();
        }
    }
}
