using OpenTelemetry;
using OpenTelemetry.Metrics;
using Microsoft.Extensions.Options;
using ServerlessAuth.Configuration;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;
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

    /// <summary>
    /// Before the host starts: settings first (an invalid value is reported as itself, never as a
    /// storage failure), then, in Development, the tables. On failure writes one line to
    /// <paramref name="error"/> and returns the exit code: 2 for settings, 1 for unreachable storage.
    /// Outside Development nothing here touches storage, and requests answer 503 until it is reachable.
    /// </summary>
    public static async Task<int?> PrepareAsync(this WebApplication app, TextWriter error, CancellationToken cancellationToken = default)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            var failures = ex is AggregateException all ? all.InnerExceptions.Select(e => e.Message) : [ex.Message];
            await error.WriteLineAsync($"Invalid settings: {string.Join(" ", failures)}");
            return 2;
        }

        if (!app.Environment.IsDevelopment())
        {
            return null;
        }

        var tables = app.Services.GetRequiredService<AuthTables>();
        try
        {
            await tables.CreateAllAsync(cancellationToken);
            return null;
        }
        catch (StorageUnavailableException ex)
        {
            await error.WriteLineAsync(
                $"Cannot create the tables: Table Storage at {tables.Endpoint} is unreachable ({ex.Message}). Start Azurite or fix AuthStorage:ConnectionString.");
            return 1;
        }
    }

    /// <summary>Local runs create missing tables at start; in Azure, Bicep creates them.</summary>
    public static Task EnsureTablesAsync(this WebApplication app, CancellationToken cancellationToken = default) =>
        app.Services.GetRequiredService<AuthTables>().CreateAllAsync(cancellationToken);
}
