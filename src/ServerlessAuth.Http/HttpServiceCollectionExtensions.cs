using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>
    /// What the endpoints add of their own. The ports they use (core services, stores, key source,
    /// health checks) come from the host's other calls:
    /// <c>AddServerlessAuthCore(cfg).AddServerlessAuthTableStorage(cfg).AddServerlessAuthHttp()</c>.
    /// </summary>
    public static IServiceCollection AddServerlessAuthHttp(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddSingleton<LoginRateLimiter>();

        // Checks run concurrently; each is cut off at one storage timeout, so /health answers within it.
        services.AddHealthChecks();
        services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IOptions<StorageOptions>>((health, storage) =>
        {
            foreach (var registration in health.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan))
            {
                registration.Timeout = storage.Value.OperationTimeout;
            }
        });
        return services;
    }
}
