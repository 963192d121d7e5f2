using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Configuration;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Admin;

/// <summary>
/// The CLI's services, configured like the hosts: <c>local.settings.json</c> in the working directory,
/// then environment variables (<c>AuthStorage__ConnectionString</c>, <c>SigningKeys__VaultUri</c>, ...).
/// </summary>
internal static class AdminHost
{
    public static IHost Build()
    {
        var directory = Directory.GetCurrentDirectory();
        var preview = new ConfigurationBuilder().AddFunctionsLocalSettings(directory).AddEnvironmentVariables().Build();
        var environment = preview["DOTNET_ENVIRONMENT"] ?? preview["AZURE_FUNCTIONS_ENVIRONMENT"] ?? preview["ASPNETCORE_ENVIRONMENT"] ?? Environments.Production;

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
            ContentRootPath = directory,
        });
        builder.Configuration.AddFunctionsLocalSettings(directory).AddEnvironmentVariables();
        // Diagnostics go to stderr; stdout carries only the command's output.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Azure", LogLevel.Error); // Expected answers such as 409 on a taken name are reported by the command itself.
        builder.Services.AddServerlessAuthCore(builder.Configuration).AddServerlessAuthTableStorage(builder.Configuration);
        return builder.Build();
    }
}
