using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.TableStorage.Health;

/// <summary>A usable signing key is known (from the cache, or the key source when nothing is cached).</summary>
public sealed class SigningKeyHealthCheck(ISigningKeyProvider keys) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var ring = await keys.GetAsync(cancellationToken);
            return HealthCheckResult.Healthy($"current version {ring.Current.KeyId} ({ring.CurrentAlgorithm})");
        }
        catch (SigningKeysUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
