using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Functions;

namespace ServerlessAuth.FunctionsTests.Infrastructure;

/// <summary>
/// The Functions app exactly as Program wires it (<see cref="FunctionsComposition.ConfigureServerlessAuth"/>),
/// built but never run: there is no Functions host here to talk to.
/// </summary>
public static class FunctionsApp
{
    /// <summary>
    /// Settings: the Values of local.settings.sample.json, which the standalone host and the Functions
    /// host both read, then <paramref name="overrides"/> (configuration keys such as <c>Auth:Issuer</c>).
    /// </summary>
    public static IHost Build(string environment, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Environment.EnvironmentName = environment;
        builder.Configuration.AddInMemoryCollection(SampleSettings());
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.ConfigureServerlessAuth();

        // A missing or captive registration fails here, as it would at the first request in Azure.
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        return builder.Build();
    }

    private static Dictionary<string, string?> SampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildOutput.RepositoryRoot, "local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), p => (string?)p.Value.ToString());
    }
}
