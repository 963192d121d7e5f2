using System.Diagnostics;

namespace ServerlessAuth.IntegrationTests.Tests.Scripts;

/// <summary>
/// scripts/demo-user.sh, the demo-user step of run-local.sh, with a stand-in for the admin CLI that
/// fails the way the real one does: only "already taken" may pass.
/// </summary>
public sealed class DemoUserScriptTests
{
    // Reads the password like the CLI, then answers with the given stderr and exit code.
    private const string Driver = """
        set -euo pipefail
        admin() {
          cat >/dev/null
          if [ -n "$FAKE_STDERR" ]; then printf '%s\n' "$FAKE_STDERR" >&2; fi
          if [ "$FAKE_STATUS" -eq 0 ]; then echo "Created user $3 (0123)."; fi
          return "$FAKE_STATUS"
        }
        . "$SCRIPT"
        add_demo_user demo demo-password-1
        echo "after the demo user"
        """;

    private sealed record Run(int ExitCode, string StandardOutput, string StandardError)
    {
        public string AllText() => StandardOutput + StandardError;

        public override string ToString() => $"exit code {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
    }

    private static async Task<Run> RunAsync(int status, string standardError)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Driver.ReplaceLineEndings("\n"));
        start.Environment["SCRIPT"] = Path.Combine(RepositoryRoot(), "scripts", "demo-user.sh");
        start.Environment["FAKE_STATUS"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FAKE_STDERR"] = standardError;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task A_new_user_is_created_and_the_script_goes_on()
    {
        var run = await RunAsync(0, "");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Created user demo", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("after the demo user", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_user_is_reported_and_the_script_goes_on()
    {
        var run = await RunAsync(1, "The username 'demo' is already taken.");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("User demo already exists.", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("after the demo user", run.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "Passwords must have at least 12 characters.")]
    [InlineData(1, "Usernames may not contain control or invisible characters.")]
    [InlineData(2, "error: Table Storage at http://127.0.0.1:10002/devstoreaccount1 is unreachable.")]
    [InlineData(2, "error: AuthStorage:ConnectionString or AuthStorage:TableServiceUri is required.")]
    public async Task Any_other_failure_is_shown_and_stops_the_script(int status, string message)
    {
        var run = await RunAsync(status, message);

        Assert.True(run.ExitCode == status, run.ToString());
        Assert.Contains(message, run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("already exists", run.AllText(), StringComparison.Ordinal);
        Assert.DoesNotContain("after the demo user", run.StandardOutput, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessAuth.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ServerlessAuth.sln above '{AppContext.BaseDirectory}'.");
    }
}
