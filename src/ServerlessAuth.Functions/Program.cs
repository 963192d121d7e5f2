using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Functions;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: HTTP functions receive the real HttpContext (analyzer AZFW0014).
builder.ConfigureFunctionsWebApplication();

// Worker logs and telemetry go straight to Application Insights instead of through the host.
builder.Services
    .AddApplicationInsightsTelemetryWorkerService()
    .ConfigureFunctionsApplicationInsights();

builder.Services.AddServerlessAuthFunctions(builder.Configuration);

builder.Build().Run();
