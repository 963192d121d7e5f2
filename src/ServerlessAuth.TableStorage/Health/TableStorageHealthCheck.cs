using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage.Health;

/// <summary>One point read on the Users table: the account answers and the identity may read.</summary>
public sealed class TableStorageHealthCheck(AuthTables tables) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await tables.ProbeAsync(cancellationToken);
            return HealthCheckResult.Healthy("reachable");
        }
        catch (StorageUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
