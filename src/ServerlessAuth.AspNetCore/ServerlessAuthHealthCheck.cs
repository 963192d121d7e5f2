using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Healthy while the revocation state is within its staleness bound (tokens can be decided); unhealthy
/// while tokens are answered 503. Memory only: no call to the issuer.
/// </summary>
public sealed class ServerlessAuthHealthCheck(BearerRevocationState state, IssuerMetadata metadata, TimeProvider time) : IHealthCheck
{
    public const string Name = "serverlessauth";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var asOf = state.Replica.CurrentAsOf;
        var data = new Dictionary<string, object>
        {
            ["stalenessBoundSeconds"] = state.StalenessBound.TotalSeconds,
            ["signingKeys"] = metadata.Current?.Configuration.SigningKeys.Count ?? 0,
        };
        if (asOf is { } a)
        {
            data["revocationStateAgeSeconds"] = Math.Round((now - a).TotalSeconds, 1);
        }

        var result = state.Replica.IsCurrent(now)
            ? HealthCheckResult.Healthy($"The revocation state is {(now - asOf!.Value).TotalSeconds:0.#} s old.", data)
            : HealthCheckResult.Unhealthy(asOf is null
                ? "The issuer's revocations have not been read yet: tokens are answered 503."
                : $"The revocation state is {(now - asOf.Value).TotalSeconds:0.#} s old (bound {state.StalenessBound.TotalSeconds:0.#} s): tokens are answered 503.", data: data);
        return Task.FromResult(result);
    }
}
