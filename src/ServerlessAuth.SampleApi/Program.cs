using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using ServerlessAuth.AspNetCore;

// A protected API that trusts ServerlessAuth tokens: one call adds the handler.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddAuthentication()
    .AddServerlessAuthBearer(builder.Configuration.GetSection(ServerlessAuthBearerOptions.SectionName));
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();

app.MapGet("/hello", (HttpContext context) => TypedResults.Ok(new HelloResponse(
        context.User.FindFirst("sub")?.Value ?? "",
        context.User.Identity?.Name ?? "")))
    .RequireAuthorization();

// Healthy while the revocation state is fresh; 503 while tokens would be refused with 503.
app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = (context, report) =>
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    },
});

app.Run();

internal sealed record HelloResponse(string Sub, string Name);
