namespace ServerlessAuth.InfraTests;

/// <summary>
/// The azd hook scripts and the shells that run them: sh, and pwsh from the repository's local tool manifest
/// (.config/dotnet-tools.json, restored by scripts/test.sh).
/// </summary>
internal static class HookScripts
{
    /// <summary>The environment variable that makes the fake az behave like az.cmd (see <see cref="CmdShim"/>).</summary>
    private const string CmdQuotingVariable = "FAKE_AZ_CMD_QUOTING";

    private static readonly Lazy<string?> PwshVersion = new(FindPwsh);

    /// <summary>The version of the pwsh tool; null when it cannot run, even after a tool restore.</summary>
    public static string? Pwsh => PwshVersion.Value;

    public static string ScriptsDirectory => Path.Combine(Bicep.InfraDirectory, "scripts");

    /// <summary>
    /// The shells to run a hook with, as theory data: always both. pwsh comes from the tool manifest, so a pwsh that
    /// does not run is a failure of every pwsh case (in CI too), never a silently smaller test run.
    /// </summary>
    public static TheoryData<string> Shells() => new() { "sh", "pwsh" };

    /// <summary>
    /// Runs infra/scripts/{name}.sh with sh, or {name}.ps1 with pwsh; under pwsh the fake az behaves like az.cmd.
    /// </summary>
    public static ProcessResult Run(string shell, string name, string workingDirectory, IReadOnlyDictionary<string, string?> environment) =>
        shell == "sh"
            ? ProcessRunner.Run("/bin/sh", [Path.Combine(ScriptsDirectory, name + ".sh")], workingDirectory, environment)
            : RunPwsh(["-File", Path.Combine(ScriptsDirectory, name + ".ps1")], environment);

    /// <summary>Runs pwsh (the local tool) with the fake az in its az.cmd mode.</summary>
    public static ProcessResult RunPwsh(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        if (Pwsh is null)
        {
            throw new InvalidOperationException(
                "pwsh (the PowerShell tool of .config/dotnet-tools.json) does not run, even after 'dotnet tool restore'.");
        }

        // dotnet finds the manifest from the working directory up, so pwsh starts in the repository.
        var withCmdQuoting = new Dictionary<string, string?>(environment) { [CmdQuotingVariable] = "1" };
        return ProcessRunner.Run("dotnet", ["tool", "run", "pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", .. arguments], Bicep.RepositoryRoot, withCmdQuoting);
    }

    /// <summary>
    /// Writes a stand-in for az into a directory: <paramref name="script"/> (a POSIX script) as az-stub, and in front
    /// of it an az that hands the arguments on unchanged, or, when pwsh runs the hook, as az.cmd would (<see cref="CmdShim"/>).
    /// </summary>
    public static void WriteFakeAz(string directory, string script)
    {
        WriteExecutable(Path.Combine(directory, "az-stub"), script);
        WriteExecutable(Path.Combine(directory, "az"), CmdShim);
    }

    /// <summary>
    /// The az that pwsh finds. On Windows az is az.cmd, whose body runs <c>python.exe -IBm azure.cli %*</c> inside an
    /// <c>IF EXIST ... ( ... )</c> block. Windows PowerShell and pwsh (whose default $PSNativeCommandArgumentPassing,
    /// "Windows", keeps the legacy rules for .cmd files) quote an argument only when it has whitespace outside quotes,
    /// so <c>--query length(@)</c> reaches cmd unquoted and its ')' closes the block: az.cmd fails with "... was
    /// unexpected at this time." before az runs (MicrosoftDocs/azure-docs#84587, Azure/azure-cli#14972). On Linux
    /// pwsh passes the arguments intact, so this shim replays the Windows path: (1) the command line PowerShell
    /// builds for a .cmd (an argument wrapped in double quotes when it has whitespace outside quotes, an empty one
    /// dropped); (2) cmd's parse of the block: outside double quotes ')' ends the block, &amp; | &lt; &gt; end the
    /// command, ^ escapes the next character; (3) the split of the resulting command line into Python's argv (the
    /// Microsoft C runtime rules for quotes and backslashes). A hook passes it only if every argument arrives at az
    /// as the script meant it. Not modelled: %VAR% expansion and delayed expansion (no hook argument has a '%' or '!').
    /// </summary>
    private const string CmdShim = """
        #!/bin/sh
        here="$(dirname "$0")"
        if [ "${FAKE_AZ_CMD_QUOTING:-}" != "1" ]; then
          exec "$here/az-stub" "$@"
        fi
        parsed="$(awk '
          function fail(message) { print "E" message; exit }
          BEGIN {
            # (1) PowerShell legacy argument passing to a .cmd file.
            line = ""
            for (i = 1; i < ARGC; i++) {
              arg = ARGV[i]
              if (arg == "") continue
              quotes = 0; needs = 0; previous = ""
              for (j = 1; j <= length(arg); j++) {
                c = substr(arg, j, 1)
                if (c == "\"" && previous != "\\") quotes++
                else if ((c == " " || c == "\t") && quotes % 2 == 0) needs = 1
                previous = c
              }
              line = line (line == "" ? "" : " ") (needs ? "\"" arg "\"" : arg)
            }
            # (2) cmd.exe parsing "python.exe -IBm azure.cli %*" inside the IF block.
            cmd = ""; quoted = 0
            for (j = 1; j <= length(line); j++) {
              c = substr(line, j, 1)
              if (c == "\"") { quoted = !quoted; cmd = cmd c; continue }
              if (!quoted) {
                if (c == ")") {
                  rest = substr(line, j + 1); sub(/^ +/, "", rest); sub(/ .*/, "", rest)
                  fail((rest == "" ? ")" : rest) " was unexpected at this time.")
                }
                if (c == "&" || c == "|" || c == "<" || c == ">") {
                  rest = substr(line, j + 1); sub(/^ +/, "", rest); sub(/ .*/, "", rest)
                  fail("\047" rest "\047 is not recognized as an internal or external command, operable program or batch file.")
                }
                if (c == "^") { j++; cmd = cmd substr(line, j, 1); continue }
              }
              cmd = cmd c
            }
            # (3) The C runtime splitting the command line into argv.
            n = 0; current = ""; inarg = 0; quoted = 0
            for (j = 1; j <= length(cmd); j++) {
              c = substr(cmd, j, 1)
              if (c == "\\") {
                k = j; while (substr(cmd, k, 1) == "\\") k++
                count = k - j
                if (substr(cmd, k, 1) == "\"") {
                  for (m = 0; m < int(count / 2); m++) current = current "\\"
                  if (count % 2 == 1) { current = current "\""; j = k } else { j = k - 1 }
                } else {
                  for (m = 0; m < count; m++) current = current "\\"
                  j = k - 1
                }
                inarg = 1; continue
              }
              if (c == "\"") {
                if (quoted && substr(cmd, j + 1, 1) == "\"") { current = current "\""; j++ }
                else quoted = !quoted
                inarg = 1; continue
              }
              if ((c == " " || c == "\t") && !quoted) {
                if (inarg) { print "A" current; current = ""; inarg = 0 }
                continue
              }
              current = current c; inarg = 1
            }
            if (inarg) print "A" current
          }' "$@")"
        set --
        while IFS= read -r entry; do
          case "$entry" in
            E*) printf '%s\n' "${entry#E}" >&2; exit 255 ;;
            A*) set -- "$@" "${entry#A}" ;;
          esac
        done <<EOF
        $parsed
        EOF
        exec "$here/az-stub" "$@"
        """;

    private static void WriteExecutable(string path, string script)
    {
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string? FindPwsh()
    {
        // A fresh clone has the manifest but not the tool: restore it once (scripts/test.sh does the same).
        return Version() ?? (Restore() ? Version() : null);

        static string? Version()
        {
            var result = ProcessRunner.Run(
                "dotnet",
                ["tool", "run", "pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", "$PSVersionTable.PSVersion.ToString()"],
                Bicep.RepositoryRoot,
                environment: null);
            return result.ExitCode == 0 && result.StandardOutput.Trim() is { Length: > 0 } version ? version : null;
        }

        static bool Restore() => ProcessRunner.Run("dotnet", ["tool", "restore"], Bicep.RepositoryRoot, environment: null).ExitCode == 0;
    }
}
