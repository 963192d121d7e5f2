using OpenTelemetry;
using OpenTelemetry.Metrics;
using ServerlessAuth.Configuration;
using ServerlessAuth.Http;
using ServerlessAuth.TableStorage;
using ServerlessAuth.TableStorage.Telemetry;

namespace ServerlessAuth.WebHost;

/// <summary>
/// The standalone ASP.NET Core host of the endpoints: local runs on Azurite, integration tests and
/// benchmarks. Azure runs the same endpoints in the Functions app.
/// </summary>
public static class ServerlessAuthWebApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // The repository's local.settings.json, whether started from the repository root or the project folder.
        var contentRoot = builder.Environment.ContentRootPath;
        builder.Configuration.AddFunctionsLocalSettings(Directory.GetCurrentDirectory(), contentRoot, Path.Combine(contentRoot, "..", ".."));
        builder.Logging.AddFilter("Azure", LogLevel.Warning);
        builder.Services.AddServerlessAuthCore(builder.Configuration)
            .AddServerlessAuthTableStorage(builder.Configuration)
            .AddServerlessAuthHttp();
        builder.Services.AddServerlessAuthTelemetry(builder.Configuration)
            .WithMetrics(metrics => metrics.AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapAuthApi();
        return app;
    }

    /// <summary>Local runs create missing tables at start; in Azure, Bicep creates them.</summary>
    public static Task EnsureTablesAsync(this WebApplication app, CancellationToken cancellationToken = default) =>
        app.Services.GetRequiredService<AuthTables>().CreateAllAsync(cancellationToken);
}
