using System.Diagnostics;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// The standalone host started as a real process (<c>dotnet ServerlessAuth.WebHost.dll</c>) in
/// Development, against a loopback port where no storage listens: it checks settings before storage,
/// and exits with one line naming what is wrong, never a stack trace.
/// </summary>
public sealed class StartupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_invalid_setting_is_reported_as_itself_before_storage_is_tried()
    {
        var run = await RunHostAsync(new Dictionary<string, string> { ["Auth__AccessTokenLifetime"] = "00:00:01" });

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(Lines(run.StandardError));
        Assert.StartsWith("Invalid settings: ", line, StringComparison.Ordinal);
        Assert.Contains("Auth:AccessTokenLifetime", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Storage", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://auth.example.com/api/auth/", "ends with a slash")]
    [InlineData("http://auth.example.com/api/auth", "uses http for a host that is not loopback")]
    [InlineData("https://auth.example.com", "include the route prefix (/api/auth)")]
    public async Task An_issuer_that_is_not_the_https_base_URL_of_the_endpoints_ends_the_host_with_a_clear_line(string issuer, string problem)
    {
        var run = await RunHostAsync(new Dictionary<string, string> { ["Auth__Issuer"] = issuer });

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(Lines(run.StandardError));
        Assert.StartsWith("Invalid settings: ", line, StringComparison.Ordinal);
        Assert.Contains("Auth:Issuer must be the absolute https URL of the auth endpoints", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_signing_algorithm_ends_the_host_with_a_clear_line()
    {
        var run = await RunHostAsync(new Dictionary<string, string> { ["SigningKeys__Algorithm"] = "RS256" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("SigningKeys:Algorithm must be ES256 or HS256.", Assert.Single(Lines(run.StandardError)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_storage_ends_the_host_with_one_line_naming_the_endpoint()
    {
        var run = await RunHostAsync(new Dictionary<string, string>());

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(Lines(run.StandardError));
        Assert.Contains($"Table Storage at http://127.0.0.1:{run.StoragePort}/{AzuriteFixture.AccountName} is unreachable", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    private sealed record HostRun(int ExitCode, string StandardOutput, string StandardError, int StoragePort);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<HostRun> RunHostAsync(IReadOnlyDictionary<string, string> settings)
    {
        var port = LoopbackPorts.Reserve();
        var workingDirectory = Directory.CreateTempSubdirectory("serverlessauth-start-").FullName;
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = workingDirectory, // no local.settings.json here
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ServerlessAuth.WebHost.dll"));
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Auth", StringComparison.OrdinalIgnoreCase)
                || k.StartsWith("SigningKeys", StringComparison.OrdinalIgnoreCase) || k.StartsWith("APPLICATIONINSIGHTS", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(name);
            }

            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            start.Environment["AuthStorage__ConnectionString"] =
                $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};TableEndpoint=http://127.0.0.1:{port}/{AzuriteFixture.AccountName};";
            start.Environment["Auth__Issuer"] = TestSettings.Issuer;
            start.Environment["Auth__Audience"] = TestSettings.Audience;
            foreach (var (name, value) in settings)
            {
                start.Environment[name] = value;
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The host was still running after {Timeout.TotalSeconds} s: it should have exited.");
            }

            return new HostRun(process.ExitCode, await stdout, await stderr, port);
        }
        finally
        {
            LoopbackPorts.Release(port);
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
