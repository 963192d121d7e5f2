using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using ServerlessAuth.FunctionsTests.Infrastructure;
using ServerlessAuth.Http;

namespace ServerlessAuth.FunctionsTests;

/// <summary>
/// The functions.metadata the Functions SDK generated (what the host indexes in Azure) against the
/// endpoints the standalone host maps: the two hosts must serve the same URLs.
/// </summary>
public sealed class FunctionsMetadataTests
{
    [Fact]
    public void Every_endpoint_of_the_route_group_has_exactly_one_anonymous_http_function_with_its_route()
    {
        var prefix = RoutePrefix();
        var functionRoutes = HttpFunctions()
            .Select(f => (f.Name, Route: Join(prefix, f.Route), f.AuthLevel, f.HasMethods))
            .ToList();

        var endpointRoutes = StandaloneHostRoutes();
        Assert.NotEmpty(endpointRoutes);
        foreach (var route in endpointRoutes)
        {
            var matching = functionRoutes.Where(f => string.Equals(f.Route, route, StringComparison.OrdinalIgnoreCase)).ToList();
            var function = Assert.Single(matching);
            Assert.Equal("anonymous", function.AuthLevel, ignoreCase: true);

            // No method list: every method reaches the endpoint, which answers 405 itself as in the other host.
            Assert.False(function.HasMethods, $"Function {function.Name} restricts methods.");
        }

        // And no function serves a route the standalone host does not.
        Assert.Equal(endpointRoutes.Order(StringComparer.OrdinalIgnoreCase), functionRoutes.Select(f => f.Route).Order(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_purge_timer_runs_at_five_past_every_hour()
    {
        var purge = Assert.Single(Functions(), f => f.GetProperty("name").GetString() == "PurgeExpired");
        var trigger = Assert.Single(Bindings(purge), b => b.GetProperty("type").GetString() == "timerTrigger");

        // Six-field NCRONTAB, as docs/functions-adapter.md documents it.
        Assert.Equal("0 5 * * * *", trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void Host_json_asks_for_OpenTelemetry()
    {
        // The worker exports through OpenTelemetry; the host must use the same pipeline.
        using var host = BuildOutput.HostJson();
        Assert.Equal("OpenTelemetry", host.RootElement.GetProperty("telemetryMode").GetString());
    }

    /// <summary>The routes the standalone host maps, read from the real route group, without a leading slash.</summary>
    private static List<string> StandaloneHostRoutes()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.MapAuthApi();
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => endpoint.RoutePattern.RawText!.Trim('/'))
            .ToList();
    }

    private static string RoutePrefix()
    {
        using var host = BuildOutput.HostJson();
        // The host's default when host.json names none.
        return host.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!
            : "api";
    }

    private static string Join(string prefix, string route) =>
        string.Join('/', new[] { prefix.Trim('/'), route.Trim('/') }.Where(p => p.Length > 0));

    private static IEnumerable<(string Name, string Route, string AuthLevel, bool HasMethods)> HttpFunctions() =>
        Functions().SelectMany(f => Bindings(f)
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .Select(b => (
                f.GetProperty("name").GetString()!,
                // A trigger without a route is served at its function's name.
                b.TryGetProperty("route", out var route) ? route.GetString()! : f.GetProperty("name").GetString()!,
                b.GetProperty("authLevel").GetString()!,
                b.TryGetProperty("methods", out var methods) && methods.ValueKind == JsonValueKind.Array && methods.GetArrayLength() > 0)))
            .ToList();

    private static List<JsonElement> Functions()
    {
        using var metadata = BuildOutput.FunctionsMetadata();
        return metadata.RootElement.EnumerateArray().Select(f => f.Clone()).ToList();
    }

    private static IEnumerable<JsonElement> Bindings(JsonElement function) => function.GetProperty("bindings").EnumerateArray();
}
