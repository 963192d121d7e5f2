using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Http;
using ServerlessAuth.TableStorage;
using ServerlessAuth.TableStorage.Telemetry;

namespace ServerlessAuth.Functions;

/// <summary>
/// The Functions app's wiring, out of Program so that tests build exactly this without starting the worker.
/// </summary>
public static class FunctionsComposition
{
    public static FunctionsApplicationBuilder ConfigureServerlessAuth(this FunctionsApplicationBuilder builder)
    {
        // ASP.NET Core integration: HTTP functions receive the real HttpContext (analyzer AZFW0014).
        builder.ConfigureFunctionsWebApplication();

        // Worker logs, traces and metrics through OpenTelemetry (host.json's telemetryMode matches).
        builder.Services.AddServerlessAuthTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();

        builder.Services.AddServerlessAuthFunctions(builder.Configuration);
        return builder;
    }

    /// <summary>The same composition as the standalone host's: core, Azure adapters, endpoints.</summary>
    public static IServiceCollection AddServerlessAuthFunctions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddServerlessAuthCore(configuration)
            .AddServerlessAuthTableStorage(configuration)
            .AddServerlessAuthHttp();
}
