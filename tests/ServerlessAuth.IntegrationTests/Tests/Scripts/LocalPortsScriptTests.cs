using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests.Scripts;

/// <summary>
/// scripts/local-ports.sh, run-local.sh's port checks: a taken port is one line naming its holder, and
/// an Azurite is reused only when it answers as one. Nothing is built.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LocalPortsScriptTests(AzuriteFixture azurite)
{
    private sealed record Run(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit code {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
    }

    private static async Task<Run> BashAsync(string script, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = DemoUserScriptTests.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script.ReplaceLineEndings("\n"));
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    private static Task<Run> WithPortsAsync(string body) =>
        BashAsync("set -euo pipefail\n. scripts/local-ports.sh\n" + body);

    private static bool HasSs() => File.Exists("/usr/bin/ss") || File.Exists("/bin/ss") || File.Exists("/usr/sbin/ss") || File.Exists("/sbin/ss");

    [Fact]
    public async Task A_taken_port_stops_the_script_with_one_line_naming_its_holder()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var run = await WithPortsAsync($"require_free_port {port} \"the host's HTTPS port\"\necho after");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.StandardOutput);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: port {port} (the host's HTTPS port) is taken by ", line, StringComparison.Ordinal);
        if (HasSs())
        {
            Assert.Contains($"(pid {Environment.ProcessId})", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_free_port_passes()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var run = await WithPortsAsync($"require_free_port {port} test\necho after");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("after", run.StandardOutput.Trim());
    }

    [Fact]
    public async Task Azurite_is_told_apart_from_another_listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var other = ((IPEndPoint)listener.LocalEndpoint).Port;

        var run = await WithPortsAsync(
            $"answers_as_azurite {azurite.Port} && echo azurite:yes || echo azurite:no\n"
            + $"answers_as_azurite {other} && echo other:yes || echo other:no");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("azurite:yes", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("other:no", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pid_file_counts_only_while_its_process_is_an_Azurite()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), "serverlessauth-pid-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Stand-ins: a process whose command line says azurite, one that does not, and one that has exited.
            var run = await WithPortsAsync($$"""
                (exec -a azurite-table sleep 30) & azurite=$!
                sleep 30 & other=$!
                (exit 0) & gone=$!; wait $gone
                for pid in $azurite $other $gone; do
                  echo $pid > '{{pidFile}}'
                  own_azurite_pid '{{pidFile}}' >/dev/null && echo own || echo not
                done
                own_azurite_pid '{{pidFile}}.missing' >/dev/null && echo own || echo not
                kill $azurite $other
                """);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(["own", "not", "not", "not"], run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    [Fact]
    public async Task Run_local_with_7071_taken_stops_before_building_and_names_the_port()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 7071);
        try
        {
            listener.Start();
        }
        catch (SocketException)
        {
            // Already held by someone else (a developer's run-local.sh): the script must refuse all the same.
        }

        var run = await BashAsync("./scripts/run-local.sh");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith("error: port 7071 (the host's HTTPS port) is taken by ", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Serving", run.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Build", run.StandardOutput, StringComparison.Ordinal);
    }
}
