using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.FunctionsTestHost;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>What only the Functions app has: the worker's own indexing, the timer, and the worker process itself.</summary>
[Collection(FunctionsCollection.Name)]
public sealed class FunctionsHostTests(FunctionsHostFixture fixture, AzuriteFixture azurite) : IClassFixture<FunctionsHostFixture>
{
    private FunctionsTestHost.FunctionsTestHost Worker => fixture.Host.Worker!;

    [Fact]
    public void The_workers_metadata_lists_every_route_of_the_AspNetCore_host_as_an_HTTP_function_plus_the_timer()
    {
        var reported = Worker.MetadataResponse.FunctionMetadataResults
            .Select(f => (f.Name, Binding: JsonDocument.Parse(f.RawBindings.First(b => b.Contains("Trigger", StringComparison.Ordinal))).RootElement))
            .ToList();
        var httpRoutes = reported.Where(f => f.Binding.GetProperty("type").GetString() == "httpTrigger")
            .Select(f => "api/" + f.Binding.GetProperty("route").GetString())
            .Order(StringComparer.Ordinal)
            .ToList();

        // Every route the plain host maps, as the Functions app must serve the same API.
        var mapped = fixture.Host.App.Services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!.Trim('/'))
            .Where(route => route.StartsWith("api/", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, httpRoutes);
        Assert.All(reported.Where(f => f.Binding.GetProperty("type").GetString() == "httpTrigger"),
            f => Assert.Equal("Anonymous", f.Binding.GetProperty("authLevel").GetString(), ignoreCase: true));

        var timer = Assert.Single(reported, f => f.Binding.GetProperty("type").GetString() == "timerTrigger");
        Assert.Equal("PurgeExpired", timer.Name);
        Assert.Equal("0 5 * * * *", timer.Binding.GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task The_timer_purge_run_on_demand_deletes_expired_records_and_keeps_current_ones()
    {
        var rows = new StoredRows(fixture.Host);
        var now = DateTimeOffset.UtcNow;
        var expired = await rows.RevokeAsync(now - TimeSpan.FromDays(2));
        var current = await rows.RevokeAsync(now + TimeSpan.FromMinutes(7));

        await Worker.InvokeAsync("PurgeExpired");

        Assert.False(await rows.IsRevokedAsync(expired, now - TimeSpan.FromDays(2)));
        Assert.True(await rows.IsRevokedAsync(current, now + TimeSpan.FromMinutes(7)));
    }

    [Fact]
    public async Task Requests_are_served_by_the_worker_process_with_the_forwarded_scheme_and_host()
    {
        using var worker = Process.GetProcessById(Worker.WorkerProcessId);
        Assert.NotEqual(Environment.ProcessId, worker.Id);
        Assert.False(worker.HasExited);

        // The form login redirects to a path on the front end's own origin, not the worker's HttpUri.
        using var form = await fixture.Api.LoginFormAsync(("username", "nobody-" + Guid.NewGuid().ToString("N")), ("password", "x"));
        Assert.Equal(HttpStatusCode.SeeOther, form.StatusCode);
        Assert.StartsWith("/api/auth/signin", form.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_the_worker_ends_the_test_host_with_a_clear_error_instead_of_hanging()
    {
        await using var host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Kind = HostKind.Functions });
        using (var before = await host.Api.HealthAsync())
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var pid = host.Worker!.WorkerProcessId;
        using (var worker = Process.GetProcessById(pid))
        {
            worker.Kill();
        }

        // A bound against a hang, not a measurement: the failure is seen as soon as the process is gone.
        var failure = await Assert.ThrowsAsync<WorkerFailedException>(() => host.Worker.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"The Functions worker (pid {pid}) exited with code", failure.Message, StringComparison.Ordinal);

        // The front end answers no more requests: either the worker's failure (502) or a closed port.
        try
        {
            using var after = await host.Api.HealthAsync();
            Assert.Equal(HttpStatusCode.BadGateway, after.StatusCode);
        }
        catch (HttpRequestException)
        {
        }
    }

    [Fact]
    public async Task A_worker_that_fails_to_start_fails_the_start_with_its_reason()
    {
        var failure = await Assert.ThrowsAsync<WorkerFailedException>(() => FunctionsTestHost.FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
        {
            // Options are validated when the worker starts: this one is out of range.
            AppSettings = new Dictionary<string, string>
            {
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
                ["AuthStorage:ConnectionString"] = azurite.ConnectionString,
                ["Auth:Issuer"] = TestSettings.Issuer,
                ["Auth:Audience"] = TestSettings.Audience,
                ["Auth:PasswordHashIterations"] = "5",
            },
            Certificate = TestCertificate.Instance,
            Timeout = TimeSpan.FromSeconds(60),
        }));
        Assert.Contains("The Functions test host could not start the worker", failure.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OptionsValidationException", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_build_output_fails_at_once()
    {
        var failure = await Assert.ThrowsAsync<WorkerFailedException>(() => FunctionsTestHost.FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
        {
            FunctionsDirectory = Path.Combine(Path.GetTempPath(), "no-functions-" + Guid.NewGuid().ToString("N")),
        }));
        Assert.Contains("build src/ServerlessAuth.Functions first", failure.Message, StringComparison.Ordinal);
    }
}
