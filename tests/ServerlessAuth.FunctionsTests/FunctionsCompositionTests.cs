using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessAuth.Functions;
using ServerlessAuth.FunctionsTests.Infrastructure;

namespace ServerlessAuth.FunctionsTests;

/// <summary>
/// The Functions app's container, built from Program's own wiring with the settings Azure gives it
/// (Table Storage by URI, Key Vault, Production). Nothing here connects anywhere: clients are lazy.
/// </summary>
public sealed class FunctionsCompositionTests
{
    private static readonly Dictionary<string, string?> AzureSettings = new()
    {
        ["AuthStorage:ConnectionString"] = "",
        ["AuthStorage:TableServiceUri"] = "https://stexample.table.core.windows.net",
        ["SigningKeys:VaultUri"] = "https://kv-example.vault.azure.net/",
        ["Auth:Issuer"] = "https://func-api-example.azurewebsites.net/api/auth",
    };

    [Fact]
    public void Builds_with_every_registration_resolvable_and_valid_settings()
    {
        // ValidateOnBuild inside: throws if any registered service lacks a dependency.
        using var host = FunctionsApp.Build(Environments.Production, AzureSettings);

        // The settings pass the same validation the worker runs at start.
        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public void Every_hosted_service_resolves()
    {
        // What the Functions host passes to the worker it starts (only read, never connected to here).
        var fromHost = new Dictionary<string, string?>(AzureSettings)
        {
            ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:50051",
            ["Functions:Worker:WorkerId"] = Guid.NewGuid().ToString(),
            ["Functions:Worker:RequestId"] = Guid.NewGuid().ToString(),
            ["Functions:Worker:GrpcMaxMessageLength"] = "2147483647",
        };
        using var host = FunctionsApp.Build(Environments.Production, fromHost);
        Assert.NotEmpty(host.Services.GetServices<IHostedService>());
    }

    [Fact]
    public void The_decoy_hash_is_made_at_start_up()
    {
        var fromHost = new Dictionary<string, string?>(AzureSettings)
        {
            ["Functions:Worker:HostEndpoint"] = "http://127.0.0.1:50051",
            ["Functions:Worker:WorkerId"] = Guid.NewGuid().ToString(),
            ["Functions:Worker:RequestId"] = Guid.NewGuid().ToString(),
            ["Functions:Worker:GrpcMaxMessageLength"] = "2147483647",
        };
        using var host = FunctionsApp.Build(Environments.Production, fromHost);

        Assert.Single(host.Services.GetServices<IHostedService>().OfType<ServerlessAuth.Users.DecoyHashWarmUp>());
    }

    [Fact]
    public void Every_function_class_can_be_created_from_the_container()
    {
        using var host = FunctionsApp.Build(Environments.Production, AzureSettings);
        using var scope = host.Services.CreateScope();

        var instanceFunctions = typeof(FunctionsComposition).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => !m.IsStatic && m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();
        Assert.NotEmpty(instanceFunctions);
        foreach (var type in instanceFunctions)
        {
            // As the worker activates them: constructor arguments from the invocation's scope.
            Assert.NotNull(ActivatorUtilities.CreateInstance(scope.ServiceProvider, type));
        }
    }

    [Fact]
    public void Settings_are_validated_like_the_standalone_host_s()
    {
        var invalid = new Dictionary<string, string?>(AzureSettings) { ["Auth:AccessTokenLifetime"] = "00:00:01" };
        using var host = FunctionsApp.Build(Environments.Production, invalid);

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("AccessTokenLifetime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_refuses_the_development_key_table()
    {
        var noVault = new Dictionary<string, string?>(AzureSettings) { ["SigningKeys:VaultUri"] = "" };
        using var host = FunctionsApp.Build(Environments.Production, noVault);

        var error = Assert.ThrowsAny<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("SigningKeys:VaultUri is required in Production", error.Message, StringComparison.Ordinal);
    }
}
