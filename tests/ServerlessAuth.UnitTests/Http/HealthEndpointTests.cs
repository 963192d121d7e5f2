using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessAuth.Http;
using ServerlessAuth.Storage;

namespace ServerlessAuth.UnitTests.Http;

/// <summary>GET /api/health over HealthCheckService: the JSON shape, concurrency, and the one-timeout bound.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Checks_run_concurrently()
    {
        // Each check finishes only once the other has started: run one after the other, the first
        // would wait until its timeout and the answer would be 503.
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (status, body) = await GetHealthAsync(TimeSpan.FromSeconds(30), checks => checks
            .AddAsyncCheck("storage", async ct => { first.SetResult(); await second.Task.WaitAsync(ct); return HealthCheckResult.Healthy("reachable"); })
            .AddAsyncCheck("signingKey", async ct => { second.SetResult(); await first.Task.WaitAsync(ct); return HealthCheckResult.Healthy("current version v1"); }));

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("reachable", body.GetProperty("checks").GetProperty("storage").GetString());
        Assert.Equal("current version v1", body.GetProperty("checks").GetProperty("signingKey").GetString());
    }

    [Fact]
    public async Task A_check_that_does_not_answer_is_cut_off_at_the_storage_timeout_and_named()
    {
        var (status, body) = await GetHealthAsync(TimeSpan.FromMilliseconds(200), checks => checks
            .AddCheck("storage", () => HealthCheckResult.Healthy("reachable"))
            // Ignores its token, as a client stuck in a call might.
            .AddAsyncCheck("frozen", _ => new TaskCompletionSource<HealthCheckResult>().Task));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("reachable", body.GetProperty("checks").GetProperty("storage").GetString());
        Assert.StartsWith("no answer within", body.GetProperty("checks").GetProperty("frozen").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_check_reports_its_own_message()
    {
        var (status, body) = await GetHealthAsync(TimeSpan.FromSeconds(30), checks => checks
            .AddCheck("storage", () => HealthCheckResult.Unhealthy("Table Storage failed: HTTP 403 AuthorizationFailure")));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("Table Storage failed: HTTP 403 AuthorizationFailure", body.GetProperty("checks").GetProperty("storage").GetString());
    }

    private static async Task<(int Status, JsonElement Body)> GetHealthAsync(TimeSpan storageTimeout, Action<IHealthChecksBuilder> checks)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<AuthOptions>();
        services.Configure<StorageOptions>(o => o.OperationTimeout = storageTimeout);
        services.AddServerlessAuthHttp();
        checks(services.AddHealthChecks());
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await using var scope = provider.CreateAsyncScope();

        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = "/api/health";
        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;

        var result = await AuthEndpoints.HealthAsync(context);
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, JsonDocument.Parse(responseBody.ToArray()).RootElement.Clone());
    }
}
