using System.Text.RegularExpressions;

namespace ServerlessAuth.InfraTests;

/// <summary>azure.yaml runs every hook on both POSIX (sh) and Windows (pwsh), from scripts that exist.</summary>
public sealed class HookTests
{
    [Theory]
    [InlineData("preprovision", "register-providers")]
    [InlineData("postprovision", "create-signing-key")]
    public void EachHookHasAPosixAndAWindowsScript(string hook, string script)
    {
        var yaml = File.ReadAllText(Path.Combine(Bicep.RepositoryRoot, "azure.yaml")).ReplaceLineEndings("\n");
        var section = Regex.Match(yaml, $@"^  {hook}:\n((?:    .*\n|\s*#.*\n)+)", RegexOptions.Multiline);
        Assert.True(section.Success, $"azure.yaml has no '{hook}' hook.");

        var posix = Regex.Match(section.Groups[1].Value, @"posix:\n\s+shell: (\S+)\n\s+run: (\S+)");
        var windows = Regex.Match(section.Groups[1].Value, @"windows:\n\s+shell: (\S+)\n\s+run: (\S+)");
        Assert.Equal(("sh", $"./infra/scripts/{script}.sh"), (posix.Groups[1].Value, posix.Groups[2].Value));
        Assert.Equal(("pwsh", $"./infra/scripts/{script}.ps1"), (windows.Groups[1].Value, windows.Groups[2].Value));
        Assert.DoesNotContain("continueOnError: true", section.Groups[1].Value, StringComparison.Ordinal);

        Assert.True(File.Exists(Path.Combine(HookScripts.ScriptsDirectory, script + ".sh")));
        Assert.True(File.Exists(Path.Combine(HookScripts.ScriptsDirectory, script + ".ps1")));
    }
}
