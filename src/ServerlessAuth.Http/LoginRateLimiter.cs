using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ServerlessAuth.Http;

/// <summary>
/// Login attempts per client address, per instance (a token bucket each). Instances do not share it, and
/// callers whose address is not known are not limited by it; the per-username lockout is what holds across
/// instances and clients.
/// </summary>
public sealed class LoginRateLimiter(IOptions<AuthOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.LoginAttemptsPerMinute,
            TokensPerPeriod = options.Value.LoginAttemptsPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <returns>null when the attempt may proceed; otherwise how long to wait.</returns>
    public TimeSpan? TryAcquire(HttpContext context)
    {
        // Unknown address: no per-address limit. One bucket for every such caller would let one attacker block
        // all logins; the per-username lockout still holds.
        if (ClientAddress.Get(context, options.Value.ClientAddressHeader) is not { } address)
        {
            return null;
        }

        using var lease = _limiter.AttemptAcquire(address);
        if (lease.IsAcquired)
        {
            return null;
        }

        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
    }

    public void Dispose() => _limiter.Dispose();
}
