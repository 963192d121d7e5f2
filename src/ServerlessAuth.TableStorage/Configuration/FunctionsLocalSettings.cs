using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace ServerlessAuth.Configuration;

/// <summary>
/// Reads the <c>Values</c> of a Functions <c>local.settings.json</c>, so one file configures the
/// Functions app, the standalone host and the admin CLI with the same names (<c>Auth__Issuer</c> there
/// is <c>Auth:Issuer</c> here, as for environment variables).
/// </summary>
public static class FunctionsLocalSettings
{
    public const string FileName = "local.settings.json";

    /// <summary>The first <c>local.settings.json</c> in the given directories, or null.</summary>
    public static string? Find(params string[] directories) =>
        directories.Select(d => Path.Combine(d, FileName)).FirstOrDefault(File.Exists);

    public static IConfigurationBuilder AddFunctionsLocalSettings(this IConfigurationBuilder configuration, params string[] directories)
    {
        var path = Find(directories);
        if (path is null)
        {
            return configuration;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return configuration;
        }

        var settings = values.EnumerateObject()
            .Where(p => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            .ToDictionary(p => p.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), p => (string?)p.Value.ToString());

        // Below environment variables and the command line, as Values are below real app settings.
        var source = new MemoryConfigurationSource { InitialData = settings };
        var index = configuration.Sources.ToList().FindIndex(s => s is EnvironmentVariablesConfigurationSource);
        if (index < 0)
        {
            configuration.Sources.Add(source);
        }
        else
        {
            configuration.Sources.Insert(index, source);
        }

        return configuration;
    }
}
