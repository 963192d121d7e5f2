using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ServerlessAuth.InfraTests;

/// <summary>
/// The Windows hooks' shell: pwsh from the tool manifest, new enough for the scripts, and a fake az that breaks on
/// exactly the arguments az.cmd breaks on, so a pwsh case that passes means the call would pass on Windows too.
/// </summary>
public sealed class PwshHookTests : IDisposable
{
    // Writes each argument it receives on a line of its own.
    private const string EchoAz = """
        #!/bin/sh
        for argument in "$@"; do printf '[%s]\n' "$argument" >> "$STUB_LOG"; done
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("pwsh-hook-").FullName;

    public PwshHookTests() => HookScripts.WriteFakeAz(_directory, EchoAz);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void PwshIsTheManifestsVersionAndMeetsWhatTheHooksRequire()
    {
        Assert.True(HookScripts.Pwsh is not null, "pwsh (the PowerShell tool of .config/dotnet-tools.json) does not run.");

        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep.RepositoryRoot, ".config", "dotnet-tools.json")))!;
        Assert.Equal(manifest["tools"]!["powershell"]!["version"]!.GetValue<string>(), HookScripts.Pwsh);

        foreach (var script in Directory.EnumerateFiles(HookScripts.ScriptsDirectory, "*.ps1"))
        {
            // azd may fall back to Windows PowerShell 5.1, which lacks the .NET APIs the scripts use: they must say so.
            var requires = Regex.Match(File.ReadAllText(script), @"^#Requires -Version (\d+\.\d+)", RegexOptions.Multiline);
            Assert.True(requires.Success, $"{Path.GetFileName(script)} has no #Requires -Version.");
            Assert.True(Version.Parse(requires.Groups[1].Value) >= new Version(7, 4), $"{Path.GetFileName(script)} requires {requires.Groups[1].Value}.");
            Assert.True(Version.Parse(HookScripts.Pwsh!.Split('-')[0]) >= Version.Parse(requires.Groups[1].Value));
        }
    }

    [Theory]
    [InlineData("--query 'length(@)' --output tsv", "--output was unexpected at this time.")] // the pre-fix hook's call
    [InlineData("--query 'value[?enabled]|length(@)'", "'length(@)' is not recognized")]
    [InlineData("--value 'a&b'", "'b' is not recognized")]
    public void AnUnquotedMetacharacterFailsAsInAzCmd(string arguments, string error)
    {
        var result = RunThroughPwsh($"az keyvault secret list-versions {arguments}");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(error, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Received()); // az itself never ran
    }

    [Fact]
    public void ArgumentsThatAzCmdKeepsArriveIntact()
    {
        string[] arguments =
        [
            "value[].join('|', [join(' ', dataActions), join(' ', notDataActions)])", // has spaces: PowerShell quotes it
            "[user.type, user.name]",
            "https://management.example/subscriptions/s/vaults/kv?api-version=2022-04-01",
            @"C:\Users\someone\AppData\Local\Temp\create-signing-key-x\key",
            "application/vnd.serverlessauth.es256-key+pem",
            "length(@) with a space", // quoted, so cmd keeps the parentheses
        ];

        var result = RunThroughPwsh("az " + string.Join(' ', arguments.Select(a => "'" + a.Replace("'", "''", StringComparison.Ordinal) + "'")));

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(arguments.Select(a => $"[{a}]"), Received());
    }

    [Fact]
    public void ShRunsTheFakeAsThePosixAzWithoutCmdRules()
    {
        var result = ProcessRunner.Run("/bin/sh", ["-c", "az --query 'length(@)' 'a&b'"], _directory, Environment());

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(["[--query]", "[length(@)]", "[a&b]"], Received());
    }

    private ProcessResult RunThroughPwsh(string command) => HookScripts.RunPwsh(["-Command", command], Environment());

    private Dictionary<string, string?> Environment() => new()
    {
        ["PATH"] = _directory + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        ["STUB_LOG"] = Path.Combine(_directory, "az.log"),
    };

    private List<string> Received()
    {
        var log = Path.Combine(_directory, "az.log");
        return File.Exists(log) ? File.ReadAllLines(log).ToList() : [];
    }
}
