using System.Diagnostics;

namespace ServerlessAuth.IntegrationTests.Tests.Scripts;

/// <summary>
/// scripts/test.sh copied into a scratch repository with stand-ins for npm and dotnet first on PATH:
/// npm ci runs only when node_modules was not installed from the current package files, or in CI; the Node
/// package's tests run too.
/// </summary>
public sealed class TestScriptTests : IDisposable
{
    // npm ci as far as the script can tell: node_modules is recreated. Each call is logged with where it ran.
    private const string FakeNpm = """
        #!/bin/sh
        echo "npm $* @$(pwd)" >> "$CALLS"
        if [ "$1" = "ci" ]; then rm -rf node_modules; mkdir node_modules; fi
        """;

    private const string FakeDotnet = """
        #!/bin/sh
        echo "dotnet $*" >> "$CALLS"
        """;

    private readonly string _repository = Directory.CreateTempSubdirectory("test-script-").FullName;

    public TestScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_repository, "scripts"));
        Directory.CreateDirectory(Path.Combine(_repository, "fake-bin"));
        Directory.CreateDirectory(Path.Combine(_repository, "clients", "node", "sample"));
        File.Copy(Path.Combine(DemoUserScriptTests.RepositoryRoot(), "scripts", "test.sh"), Path.Combine(_repository, "scripts", "test.sh"));
        File.WriteAllText(Path.Combine(_repository, "package.json"), "{\"name\":\"x\"}\n");
        File.WriteAllText(Path.Combine(_repository, "package-lock.json"), "{\"lockfileVersion\":3}\n");
        Executable("fake-bin/npm", FakeNpm);
        Executable("fake-bin/dotnet", FakeDotnet);
    }

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    private void Executable(string path, string text)
    {
        var full = Path.Combine(_repository, path);
        File.WriteAllText(full, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Runs the script; returns how many times it ran npm ci.</summary>
    private async Task<int> NpmCiCallsAsync(bool ci = false)
    {
        var calls = Path.Combine(_repository, "calls.log");
        File.Delete(calls);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(_repository, "scripts", "test.sh"));
        start.Environment["PATH"] = Path.Combine(_repository, "fake-bin") + Path.PathSeparator + start.Environment["PATH"];
        start.Environment["CALLS"] = calls;
        start.Environment.Remove("CI");
        if (ci)
        {
            start.Environment["CI"] = "true";
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"test.sh exited with {process.ExitCode}\nstdout: {await output}\nstderr: {await error}");
        var lines = File.ReadAllLines(calls);
        Assert.Contains("dotnet test ServerlessAuth.sln --no-build -c Release", lines);
        Assert.Contains($"npm test @{Path.Combine(_repository, "clients", "node")}", lines);
        return lines.Count(l => l.StartsWith("npm ci", StringComparison.Ordinal) && l.EndsWith($"@{_repository}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Npm_ci_runs_once_and_again_only_when_the_package_files_change()
    {
        Assert.Equal(1, await NpmCiCallsAsync());
        Assert.Equal(0, await NpmCiCallsAsync());

        File.AppendAllText(Path.Combine(_repository, "package-lock.json"), "\n");
        Assert.Equal(1, await NpmCiCallsAsync());
        Assert.Equal(0, await NpmCiCallsAsync());

        File.WriteAllText(Path.Combine(_repository, "package.json"), "{\"name\":\"y\"}\n");
        Assert.Equal(1, await NpmCiCallsAsync());
    }

    [Fact]
    public async Task A_removed_node_modules_is_installed_again()
    {
        Assert.Equal(1, await NpmCiCallsAsync());
        Directory.Delete(Path.Combine(_repository, "node_modules"), recursive: true);

        Assert.Equal(1, await NpmCiCallsAsync());
    }

    [Fact]
    public async Task In_CI_npm_ci_always_runs()
    {
        Assert.Equal(1, await NpmCiCallsAsync());

        Assert.Equal(1, await NpmCiCallsAsync(ci: true));
        Assert.Equal(1, await NpmCiCallsAsync(ci: true));
    }
}
