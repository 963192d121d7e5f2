using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Processes;

/// <summary>
/// Our standalone host as a real process whose wall clock runs <see cref="Behind"/> the machine's, through
/// libfaketime (<c>faketime</c>, Debian package faketime, installed by scripts/test.sh), beside in-process
/// hosts on the same storage and table prefix, with the same token settings.
/// </summary>
/// <remarks>
/// libfaketime is preloaded and replaces libc's <c>clock_gettime</c>, which .NET calls for
/// <c>DateTimeOffset.UtcNow</c>, so the whole process, the runtime included, sees the shifted clock.
/// <c>FAKETIME_DONT_FAKE_MONOTONIC=1</c> leaves the monotonic clock alone: faked, it jumps to a value
/// unrelated to the real one, and the runtime's timers and Stopwatch run on it. Only the wall clock is
/// meant to be wrong, as on a host in Azure whose clock is off.
/// </remarks>
public sealed class FakeTimeHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory;
    private readonly int _port;

    private FakeTimeHostProcess(TimeSpan behind)
    {
        Behind = behind;
        _directory = Path.Combine(Path.GetTempPath(), "serverlessauth-faketime-host-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _port = LoopbackPorts.Reserve();
        var handler = new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificate.IsExpected(certificate);
        Client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{_port}/"), Timeout = TimeSpan.FromSeconds(30) };
        Api = new AuthApiClient(Client);
    }

    public TimeSpan Behind { get; }

    public HttpClient Client { get; }

    public AuthApiClient Api { get; }

    public ChildProcess? Process { get; private set; }

    /// <summary>For failure messages: all the process printed.</summary>
    public string Output => Process?.Describe() ?? "(not started)";

    private static bool FakeTimeInstalled =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "faketime")));

    /// <summary>Starts the host on <paramref name="peer"/>'s storage and table prefix and waits until it answers healthy.</summary>
    public static async Task<FakeTimeHostProcess> StartAsync(AuthHost peer, TimeSpan behind)
    {
        if (!FakeTimeInstalled)
        {
            throw new InvalidOperationException("faketime is not on the PATH: apt-get install faketime (scripts/test.sh installs it).");
        }

        var host = new FakeTimeHostProcess(behind);
        try
        {
            await host.StartAsync(peer);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(AuthHost peer)
    {
        var pfx = Path.Combine(_directory, "host.pfx");
        var password = Guid.NewGuid().ToString("N");
        await File.WriteAllBytesAsync(pfx, TestCertificate.Instance.Export(X509ContentType.Pfx, password));
        string Span(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
        Process = ChildProcess.Start($"ServerlessAuth host {Behind.TotalSeconds:0} s behind (faketime)",
            ChildProcess.FindBuildOutput("ServerlessAuth.WebHost", "ServerlessAuth.WebHost.dll"), _directory,
            new Dictionary<string, string>
            {
                ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["AuthStorage__ConnectionString"] = peer.ConnectionString,
                ["AuthStorage__TablePrefix"] = peer.TablePrefix,
                ["Auth__Issuer"] = TestSettings.Issuer,
                ["Auth__Audience"] = TestSettings.Audience,
                ["Auth__PasswordHashIterations"] = "1000",
                ["Auth__LoginAttemptsPerMinute"] = "100000",
                ["Auth__AccessTokenLifetime"] = Span(TestSettings.AccessTokenLifetime),
                ["Auth__SessionIdleTimeout"] = Span(TestSettings.SessionIdleTimeout),
                ["Auth__SessionAbsoluteLifetime"] = Span(TestSettings.SessionAbsoluteLifetime),
                ["Revocation__PollInterval"] = "00:00:00.200",
                ["Revocation__StalenessBound"] = "00:00:20",
                ["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{_port}",
                ["Kestrel__Endpoints__Https__Certificate__Path"] = pfx,
                ["Kestrel__Endpoints__Https__Certificate__Password"] = password,
                ["Logging__LogLevel__Default"] = "Warning",
            },
            launcher: ["faketime", "-f", $"-{Behind.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"]);
        await WaitUntilHealthyAsync();
    }

    private async Task WaitUntilHealthyAsync()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var last = "no answer yet";
        while (watch.Elapsed < StartTimeout)
        {
            if (Process!.HasExited)
            {
                throw new InvalidOperationException($"The host exited before it answered healthy.{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("api/health");
                if (response.StatusCode == HttpStatusCode.OK)
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

        throw new TimeoutException($"The host did not answer healthy within {StartTimeout.TotalSeconds} s (last: {last}).{Environment.NewLine}{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Process is not null)
            {
                await Process.DisposeAsync();
            }
        }
        finally
        {
            Client.Dispose();
            LoopbackPorts.Release(_port);
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder left behind is harmless.
            }
        }
    }
}
