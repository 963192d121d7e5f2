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
        // Serving hosts follow the revocation feed; the admin CLI does not.
        services.AddRevocationFeedFollower();
        services.AddDecoyHashWarmUp();
        services.AddProblemDetails();
        services.AddSingleton<LoginRateLimiter>();
        services.AddOptions<PagesOptions>().BindConfiguration(PagesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // Checks run concurrently; each is cut off at one storage timeout, so /health answers within it.
        services.AddHealthChecks();
        services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IOptions<StorageOptions>>((health, storage) =>
        {
            foreach (var registration in health.Registrations)
            {
                if (registration.Timeout == Timeout.InfiniteTimeSpan)
                {
                    registration.Timeout = storage.Value.OperationTimeout;
                }

                var create = registration.Factory;
                registration.Factory = provider => new Bounded(create(provider));
            }
        });
        return services;
    }

    /// <summary>Gives up on a check at its timeout even if the check does not watch its token.</summary>
    private sealed class Bounded(IHealthCheck check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            check.CheckHealthAsync(context, cancellationToken).WaitAsync(cancellationToken);
    }
}
