using System.Text.Json;
using System.Text.RegularExpressions;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.UnitTests.Configuration;

/// <summary>The README and docs state what the code and the repository's settings do.</summary>
public sealed partial class DocsAgreeWithCodeTests
{
    private static readonly string Root = FindRoot();

    private static string Read(string path) => File.ReadAllText(Path.Combine(Root, path));

    private static IEnumerable<string> Documents() =>
        Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "README.md"))
            .Append(Path.Combine(Root, "ServerlessAuth.http"));

    [Fact]
    public void Every_local_address_in_the_docs_is_the_one_the_local_hosts_serve()
    {
        // The standalone host's launch profile and the Functions host's port from the sample settings.
        using var launch = JsonDocument.Parse(Read("src/ServerlessAuth.WebHost/Properties/launchSettings.json"));
        var webHost = launch.RootElement.GetProperty("profiles").GetProperty("ServerlessAuth.WebHost").GetProperty("applicationUrl").GetString();
        using var sample = JsonDocument.Parse(Read("local.settings.sample.json"));
        var functionsPort = sample.RootElement.GetProperty("Host").GetProperty("LocalHttpPort").GetInt32();
        Assert.Equal($"https://localhost:{functionsPort}", webHost);

        var found = 0;
        foreach (var document in Documents())
        {
            foreach (Match match in LocalAddress().Matches(File.ReadAllText(document)))
            {
                found++;
                Assert.True(match.Value == webHost, $"{Path.GetRelativePath(Root, document)} names {match.Value}; the local hosts serve {webHost}.");
            }
        }

        Assert.True(found > 0, "No local address found in the docs at all.");
    }

    [Fact]
    public void The_deploy_guide_and_the_runbook_give_the_same_wait_before_disabling_an_old_key()
    {
        // Until its next refresh an instance may sign with the old key; such a token lives its lifetime plus the skew.
        var wait = new SigningKeyOptions().RefreshInterval + new AuthOptions().AccessTokenLifetime + new AuthOptions().ClockSkew;
        var text = $"**{(int)wait.TotalMinutes} min {wait.Seconds} s**";

        Assert.Contains(text, Read("docs/deploy.md"), StringComparison.Ordinal);
        Assert.Contains(text, Read("docs/runbooks/key-rotation.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_deploy_guide_sets_only_parameters_that_main_parameters_json_has()
    {
        using var parameters = JsonDocument.Parse(Read("infra/main.parameters.json"));
        var names = parameters.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();

        // "set `x` ... in `infra/main.parameters.json`" within one sentence.
        foreach (Match match in SetInParameters().Matches(Read("docs/deploy.md")))
        {
            var name = match.Groups["name"].Value;
            Assert.True(names.Contains(name), $"deploy.md says to set '{name}' in main.parameters.json, which has no such parameter: {match.Value}");
        }
    }

    [GeneratedRegex(@"https?://localhost:\d+")]
    private static partial Regex LocalAddress();

    [GeneratedRegex(@"\bset `(?<name>\w+)`[^.]*?in `infra/main\.parameters\.json`")]
    private static partial Regex SetInParameters();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ServerlessAuth.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ServerlessAuth.sln above '{AppContext.BaseDirectory}'.");
    }
}
