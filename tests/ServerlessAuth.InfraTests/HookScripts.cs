namespace ServerlessAuth.InfraTests;

/// <summary>The azd hook scripts and the shells that run them: sh everywhere, pwsh when it is installed.</summary>
internal static class HookScripts
{
    /// <summary>pwsh on PATH or as a .NET global tool; null when neither is there.</summary>
    public static string? Pwsh { get; } = FindPwsh();

    public static string ScriptsDirectory => Path.Combine(Bicep.InfraDirectory, "scripts");

    /// <summary>
    /// The shells to run a hook with, as theory data: "sh" always, "pwsh" only where pwsh is installed, so a
    /// machine without it runs no pwsh case rather than a case that passes without running anything.
    /// </summary>
    public static TheoryData<string> Shells()
    {
        var data = new TheoryData<string> { "sh" };
        if (Pwsh is not null)
        {
            data.Add("pwsh");
        }

        return data;
    }

    /// <summary>Runs infra/scripts/{name}.sh with sh or {name}.ps1 with pwsh.</summary>
    public static ProcessResult Run(string shell, string name, string workingDirectory, IReadOnlyDictionary<string, string?> environment) =>
        shell == "sh"
            ? ProcessRunner.Run("/bin/sh", [Path.Combine(ScriptsDirectory, name + ".sh")], workingDirectory, environment)
            : ProcessRunner.Run(
                Pwsh ?? throw new InvalidOperationException("pwsh is not installed."),
                ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", Path.Combine(ScriptsDirectory, name + ".ps1")],
                workingDirectory,
                environment);

    /// <summary>Writes a stand-in for az (a POSIX script, which pwsh runs from PATH as well) into a directory.</summary>
    public static void WriteFakeAz(string directory, string script)
    {
        var az = Path.Combine(directory, "az");
        File.WriteAllText(az, script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string? FindPwsh()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return candidates.Select(directory => Path.Combine(directory, "pwsh")).FirstOrDefault(File.Exists);
    }
}
