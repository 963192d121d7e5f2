using System.Text.RegularExpressions;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.InfraTests;

/// <summary>docs/deploy.md and the key-rotation runbook can be followed on a fresh clone: right tables, every setting.</summary>
public sealed class DeployDocsTests
{
    /// <summary>What the admin CLI needs against Azure when no local.settings.json exists (it exits 2 without them).</summary>
    private static readonly string[] AdminSettings =
    [
        "DOTNET_ENVIRONMENT",
        "AuthStorage__TableServiceUri",
        "SigningKeys__VaultUri",
        "SigningKeys__SecretName",
        "Auth__Issuer",
        "Auth__Audience",
    ];

    [Fact]
    public void TheDeployGuideListsExactlyTheTablesTheAppUses()
    {
        var row = Regex.Match(Read("docs/deploy.md"), @"^\| Tables \| (?<names>[^|]+) \|", RegexOptions.Multiline);
        Assert.True(row.Success, "deploy.md has no 'Tables' row in 'What gets deployed'.");
        var listed = Regex.Matches(row.Groups["names"].Value, "`([A-Za-z]+)`").Select(m => m.Groups[1].Value);

        Assert.Equal(AuthTables.Names.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("docs/deploy.md", "## Creating the first user")]
    [InlineData("docs/runbooks/key-rotation.md", "## Who needs which role")]
    public void TheAdminCliStepsSetEverySettingItNeedsAndClearTheAzuriteConnectionString(string document, string section)
    {
        var text = Read(document);
        var start = text.IndexOf(section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{document} has no section '{section}'.");
        var end = text.IndexOf("\n## ", start + section.Length, StringComparison.Ordinal);
        var steps = text[start..(end < 0 ? text.Length : end)];

        foreach (var setting in AdminSettings)
        {
            Assert.Matches(new Regex($@"^export {setting}=\S", RegexOptions.Multiline), steps);
        }

        // A local.settings.json made from the sample sets the Azurite connection string; with the table endpoint also
        // set, the CLI refuses to start.
        Assert.Matches(new Regex(@"^export AuthStorage__ConnectionString=(\s|$)", RegexOptions.Multiline), steps);
    }

    private static string Read(string path) => File.ReadAllText(Path.Combine(Bicep.RepositoryRoot, path));
}
