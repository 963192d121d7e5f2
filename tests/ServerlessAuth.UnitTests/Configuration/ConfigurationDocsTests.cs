using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.UnitTests.Configuration;

/// <summary>docs/configuration.md names every setting the services bind, so a new setting cannot go undocumented.</summary>
public sealed class ConfigurationDocsTests
{
    /// <summary>
    /// The options types the full composition (both hosts and the CLI call it) binds from configuration:
    /// every <c>Bind(section)</c> registers a change-token source. Each names its section in <c>SectionName</c>.
    /// </summary>
    private static List<(Type Options, string Section)> BoundOptions() =>
        [.. new ServiceCollection().AddServerlessAuthCore(new ConfigurationBuilder().Build()).AddServerlessAuthTableStorage(new ConfigurationBuilder().Build()).AddServerlessAuthHttp()
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Distinct()
            .Select(t => (t, t.GetField("SectionName")?.GetRawConstantValue() as string
                ?? throw new InvalidOperationException($"{t} is bound from configuration but has no SectionName constant.")))];

    private static List<string> SettingNames() => [.. BoundOptions().SelectMany(o => o.Options
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is { IsPublic: true })
        .Select(p => $"{o.Section}__{p.Name}"))];

    public static TheoryData<string> Settings => [.. SettingNames()];

    [Fact]
    public void The_known_options_are_among_the_bound_ones()
    {
        // The control: discovery finds what the hosts are known to bind.
        var bound = BoundOptions();

        Assert.Contains((typeof(AuthOptions), "Auth"), bound);
        Assert.Contains((typeof(ServerlessAuth.SigningKeys.SigningKeyOptions), "SigningKeys"), bound);
        Assert.Contains((typeof(ServerlessAuth.Storage.StorageOptions), "AuthStorage"), bound);
        Assert.Contains("Auth__AccessTokenLifetime", SettingNames());
        Assert.Contains("SigningKeys__RefreshInterval", SettingNames());
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_bound_setting_is_in_configuration_md(string setting)
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));

        // As code in the table: `Auth__Issuer`, or `Auth__AllowedOrigins__0` for a list.
        Assert.Matches(new Regex($"`{Regex.Escape(setting)}(`|__)"), docs);
    }

    private static string RepositoryRoot()
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
