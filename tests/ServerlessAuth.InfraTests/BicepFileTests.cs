namespace ServerlessAuth.InfraTests;

/// <summary>Every Bicep file compiles and passes the linter (with infra/bicepconfig.json) without any diagnostic.</summary>
public sealed class BicepFileTests
{
    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Bicep.AllFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Fact]
    public void TheDeploymentIsSplitIntoTheExpectedFiles()
    {
        // Guards the theories below against silently checking nothing (a moved or renamed infra folder).
        var files = Bicep.AllFiles();
        string[] expected =
        [
            "infra/main.bicep",
            "infra/modules/functionapp.bicep",
            "infra/modules/identity.bicep",
            "infra/modules/keyvault.bicep",
            "infra/modules/monitoring.bicep",
            "infra/modules/role-assignments.bicep",
            "infra/modules/storage.bicep",
        ];
        Assert.All(expected, file => Assert.Contains(file, files));
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void BuildsWithoutDiagnostics(string file)
    {
        var result = Bicep.Run("build", "--stdout", Path.Combine(Bicep.RepositoryRoot, file));

        Assert.True(result.ExitCode == 0, $"bicep build {file}: {result.Describe()}");
        Assert.True(result.Diagnostics.Count == 0, $"bicep build {file} reported:{Environment.NewLine}{string.Join(Environment.NewLine, result.Diagnostics)}");
        Assert.StartsWith("{", result.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void LintsWithoutDiagnostics(string file)
    {
        var result = Bicep.Run("lint", Path.Combine(Bicep.RepositoryRoot, file));

        Assert.True(result.ExitCode == 0, $"bicep lint {file}: {result.Describe()}");
        Assert.True(result.Diagnostics.Count == 0, $"bicep lint {file} reported:{Environment.NewLine}{string.Join(Environment.NewLine, result.Diagnostics)}");
    }

    [Fact]
    public void NoModuleComesFromARegistry()
    {
        // Registry modules (br:, br/public:, ts:) cannot be restored where only package registries are reachable.
        foreach (var file in Bicep.AllFiles())
        {
            var text = File.ReadAllText(Path.Combine(Bicep.RepositoryRoot, file));
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts/", text, StringComparison.Ordinal);
        }
    }
}
