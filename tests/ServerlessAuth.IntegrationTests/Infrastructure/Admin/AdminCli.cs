using System.Diagnostics;
using System.Text;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Admin;

/// <summary>One finished run of the admin CLI: its arguments, exit code and both output streams.</summary>
public sealed record CliRun(IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>Both streams, for "never printed anywhere" checks.</summary>
    public string AllOutput => StandardOutput + StandardError;

    /// <summary>Asserts the exit code; the failure message shows both streams.</summary>
    public CliRun AssertExitCode(int expected)
    {
        Assert.True(ExitCode == expected, $"Expected exit code {expected}.{Environment.NewLine}{this}");
        return this;
    }

    public CliRun AssertSucceeded() => AssertExitCode(0);

    public override string ToString() =>
        $"serverlessauth-admin {string.Join(' ', Arguments)} -> exit code {ExitCode} after {Elapsed.TotalSeconds:0.00} s"
        + $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{StandardOutput}--- stderr ---{Environment.NewLine}{StandardError}--- end ---";
}

/// <summary>
/// Runs <c>serverlessauth-admin</c> as a real child process (<c>dotnet serverlessauth-admin.dll ...</c>),
/// configured only by environment variables, in a fresh empty working directory (so no
/// <c>local.settings.json</c> is picked up), with a timeout.
/// </summary>
public sealed class AdminCli
{
    public const string AssemblyFileName = "serverlessauth-admin.dll";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Settings a developer's shell or the test runner might carry: none of them may leak into a run.
    private static readonly string[] InheritedSettingPrefixes =
        ["AuthStorage:", "Auth:", "SigningKeys:", "Logging:", "AZURE_", "DOTNET_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT"];

    private static readonly Lazy<string> AssemblyPath = new(FindAssembly);
    private static readonly Lazy<string> DotnetHost = new(FindDotnetHost);

    private readonly IReadOnlyDictionary<string, string> _environment;

    public AdminCli(IReadOnlyDictionary<string, string> environment) => _environment = environment;

    /// <summary>A CLI for the given storage and table prefix, with the test settings the hosts use.</summary>
    public static AdminCli For(string connectionString, string tablePrefix) => new(new Dictionary<string, string>
    {
        ["AuthStorage__ConnectionString"] = connectionString,
        ["AuthStorage__TablePrefix"] = tablePrefix,
        ["DOTNET_ENVIRONMENT"] = "Development",
        ["Auth__Issuer"] = TestSettings.Issuer,
        ["Auth__Audience"] = TestSettings.Audience,
        ["Auth__PasswordHashIterations"] = "1000",
    });

    /// <summary>The environment this CLI runs with (names as environment variables, <c>__</c> separated).</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>The same CLI with some variables changed (null value: removed).</summary>
    public AdminCli With(IReadOnlyDictionary<string, string?> changes)
    {
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                environment.Remove(name);
            }
            else
            {
                environment[name] = value;
            }
        }

        return new AdminCli(environment);
    }

    public Task<CliRun> RunAsync(params string[] arguments) => RunAsync(arguments, standardInput: null);

    /// <summary>
    /// Runs the CLI to completion. stdin is always redirected (so no prompt ever waits); <paramref name="standardInput"/> is written to it, then it is closed.
    /// Without <paramref name="workingDirectory"/>, it runs in a fresh empty folder that is deleted afterwards.
    /// </summary>
    public async Task<CliRun> RunAsync(IReadOnlyList<string> arguments, string? standardInput, string? workingDirectory = null)
    {
        var ownsDirectory = workingDirectory is null;
        workingDirectory ??= Path.Combine(Path.GetTempPath(), "serverlessauth-admin-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(workingDirectory);
        try
        {
            var start = new ProcessStartInfo(DotnetHost.Value)
            {
                WorkingDirectory = workingDirectory,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                // No byte order mark: it would become the first character of a password read from stdin.
                StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(AssemblyPath.Value);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var name in start.Environment.Keys.ToList())
            {
                var normalized = name.Replace("__", ":", StringComparison.Ordinal);
                if (InheritedSettingPrefixes.Any(p => normalized.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                {
                    start.Environment.Remove(name);
                }
            }

            foreach (var (name, value) in _environment)
            {
                start.Environment[name] = value;
            }

            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{DotnetHost.Value}'.");
            var standardOutput = process.StandardOutput.ReadToEndAsync();
            var standardError = process.StandardError.ReadToEndAsync();
            try
            {
                if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process exited before reading its input (e.g. a configuration error): its exit code tells.
            }

            using (var timeout = new CancellationTokenSource(Timeout))
            {
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                    Assert.Fail($"serverlessauth-admin {string.Join(' ', arguments)} did not exit within {Timeout.TotalSeconds} s."
                        + $"{System.Environment.NewLine}stdout: {await standardOutput}{System.Environment.NewLine}stderr: {await standardError}");
                }
            }

            return new CliRun(arguments.ToList(), process.ExitCode, await standardOutput, await standardError, watch.Elapsed);
        }
        finally
        {
            try
            {
                if (ownsDirectory)
                {
                    Directory.Delete(workingDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
                // Best effort: an empty temp folder left behind is harmless.
            }
        }
    }

    /// <summary>
    /// The Admin project's own build output. The copy that the project reference puts next to the tests
    /// cannot run: the test project's ASP.NET Core framework reference removes the Microsoft.Extensions.Hosting
    /// assemblies the CLI's deps.json expects from its own folder.
    /// </summary>
    private static string FindAssembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var framework = testOutput.Name;                  // net10.0
        var configuration = testOutput.Parent?.Name ?? "Debug";
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "ServerlessAuth.Admin", "bin", configuration, framework, AssemblyFileName);
            if (File.Exists(candidate))
            {
                var besideTests = Path.Combine(testOutput.FullName, AssemblyFileName);
                if (File.Exists(besideTests) && !File.ReadAllBytes(besideTests).AsSpan().SequenceEqual(File.ReadAllBytes(candidate)))
                {
                    throw new InvalidOperationException(
                        $"'{candidate}' differs from the copy built with the tests ('{besideTests}'): rebuild the test project.");
                }

                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"No src/ServerlessAuth.Admin/bin/{configuration}/{framework}/{AssemblyFileName} above '{testOutput.FullName}': build the test project (it references the Admin project).");
    }

    /// <summary>The dotnet host running these tests when it can be found, else the one on PATH.</summary>
    private static string FindDotnetHost()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (System.Environment.ProcessPath is { } self
            && string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return "dotnet";
    }
}
