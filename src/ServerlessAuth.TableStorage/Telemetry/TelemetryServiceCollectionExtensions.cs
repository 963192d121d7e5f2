using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.TableStorage.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// OpenTelemetry with the service's meter. Exported to Azure Monitor (Application Insights) only
    /// when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set: local runs and tests export nothing.
    /// </summary>
    public static IOpenTelemetryBuilder AddServerlessAuthTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        IOpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(AuthMetrics.MeterName));

        var connectionString = configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            telemetry = telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                // Application Insights accepts only Entra tokens (local auth is off): the app's managed
                // identity, chosen by AZURE_CLIENT_ID, as for storage and Key Vault.
                options.Credential = new DefaultAzureCredential();
            });
        }

        return telemetry;
    }
}
