using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.TableStorage.Health;

/// <summary>
/// This instance's revocation replica is current: in Replica mode protected requests are refused
/// (503) otherwise, so the instance is unhealthy. In Strict mode requests do not use it: only key
/// events would arrive late, which the key refresh interval bounds, so it is reported, not failed.
/// </summary>
public sealed class RevocationReplicaHealthCheck(RevocationReplica replica, IOptions<RevocationOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (replica.CurrentAsOf is null)
        {
            await replica.WaitForFirstSyncAsync(cancellationToken); // a starting instance's first poll
        }

        var now = time.GetUtcNow();
        var mode = options.Value.Mode;
        var state = replica.CurrentAsOf is { } asOf
            ? $"{mode} mode; feed read {(now - asOf).TotalSeconds:0.0} s ago (bound {options.Value.StalenessBound.TotalSeconds:0.#} s)"
            : $"{mode} mode; feed not read yet";
        return replica.IsCurrent(now) || mode == RevocationMode.Strict
            ? HealthCheckResult.Healthy(state)
            : HealthCheckResult.Unhealthy(state);
    }
}
