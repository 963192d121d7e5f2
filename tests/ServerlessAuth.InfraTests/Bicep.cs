using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace ServerlessAuth.InfraTests;

/// <summary>Output of one Bicep CLI run.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Every non-empty line Bicep wrote to standard error: its diagnostics (errors, warnings, infos).</summary>
    public IReadOnlyList<string> Diagnostics =>
        StandardError.Split('\n').Select(line => line.TrimEnd()).Where(line => line.Length > 0).ToList();

    public string Describe() =>
        $"exit code {ExitCode}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}";
}

/// <summary>
/// The Bicep CLI of the Azure.Bicep.CommandLine.linux-x64 package (its path is put into this assembly by the
/// project file) and the repository the tests check.
/// </summary>
internal static class Bicep
{
    private static readonly Lazy<string> ExecutablePath = new(PrepareExecutable);

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string InfraDirectory => Path.Combine(RepositoryRoot, "infra");

    public static string MainFile => Path.Combine(InfraDirectory, "main.bicep");

    /// <summary>Every .bicep file under infra/, as paths relative to the repository root.</summary>
    public static IReadOnlyList<string> AllFiles() =>
        Directory.EnumerateFiles(InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static ProcessResult Run(params string[] arguments) =>
        ProcessRunner.Run(ExecutablePath.Value, arguments, workingDirectory: RepositoryRoot, environment: null);

    private static string PrepareExecutable()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException(
                "The infrastructure tests use the Bicep CLI of the package Azure.Bicep.CommandLine.linux-x64, which runs on linux-x64 only.");
        }

        var path = Metadata("BicepPath");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The Bicep CLI is not at '{path}'. Restore the project (dotnet restore) first.", path);
        }

        // Extraction from a package may not keep the executable bit.
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    private static string Metadata(string key) =>
        typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing: it is set in ServerlessAuth.InfraTests.csproj.");
}

internal static class ProcessRunner
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static ProcessResult Run(
        string fileName,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(name);
                }
                else
                {
                    startInfo.Environment[name] = value;
                }
            }
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        process.StandardInput.Close();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish within {Timeout}.");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, standardOutput.GetAwaiter().GetResult(), standardError.GetAwaiter().GetResult());
    }
}
