using System.Diagnostics;
using System.Text;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Processes;

/// <summary>
/// A program of this repository run as a real child process (<c>dotnet &lt;dll&gt;</c>), configured only
/// by environment variables, with both output streams captured for failure messages. Disposing kills it
/// (with its children) whatever state it is in.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    // Settings a developer's shell or the test runner might carry: none of them may leak into a run.
    private static readonly string[] InheritedSettingPrefixes =
        ["AuthStorage", "Auth:", "Auth__", "SigningKeys", "Revocation", "ServerlessAuth", "Logging", "Kestrel", "AZURE_",
         "DOTNET_ENVIRONMENT", "ASPNETCORE_", "Urls", "SSL_CERT_"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Both streams so far, interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="assemblyPath"/> with exactly these settings on top of a cleaned environment.</summary>
    /// <param name="launcher">A program and its arguments that run <c>dotnet &lt;dll&gt;</c> in turn (such as <c>faketime -f -20s</c>); none: dotnet itself.</param>
    public static ChildProcess Start(
        string name, string assemblyPath, string workingDirectory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? launcher = null)
    {
        var start = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (var argument in launcher.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add(DotnetHost());
        }

        start.ArgumentList.Add(assemblyPath);
        foreach (var variable in start.Environment.Keys.ToList())
        {
            if (InheritedSettingPrefixes.Any(p => variable.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                start.Environment.Remove(variable);
            }
        }

        foreach (var (variable, value) in environment)
        {
            start.Environment[variable] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not start {name} ({assemblyPath}).");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>For failure messages: what it is, whether it still runs, and all it printed.</summary>
    public string Describe() =>
        $"--- {Name} ({(_process.HasExited ? $"exited with code {_process.ExitCode}" : $"running, pid {_process.Id}")}) ---{Environment.NewLine}{Output}--- end of {Name} ---";

    /// <summary>Kills it (and its children) and waits until it has exited.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {_process.Id}) did not exit within {ExitTimeout.TotalSeconds} s of being killed.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>
    /// A program's own build output, <c>src/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;dll&gt;</c>, built before the
    /// tests by a project reference (the copy beside the tests lacks the program's own runtime settings).
    /// </summary>
    public static string FindBuildOutput(string project, string assemblyFileName)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent?.Name ?? "Debug";
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", project, "bin", configuration, framework, assemblyFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"No src/{project}/bin/{configuration}/{framework}/{assemblyFileName} above '{testOutput.FullName}': build the test project (it references {project}).");
    }

    /// <summary>The dotnet host running these tests when it can be found, else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? self
            : "dotnet";
    }
}
