using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.Users;

/// <summary>
/// Bounds password hashing on this instance. PBKDF2 takes a core for its whole run; without a bound, a burst
/// of logins takes every core, and the continuations of storage calls wait behind it until they time out.
/// Hashes beyond the permits wait in order, up to <see cref="AuthOptions.PasswordHashQueueTimeout"/>, then
/// are refused with <see cref="PasswordHashingBusyException"/>. Only the hash holds a permit, never a storage call.
/// </summary>
public sealed class PasswordHashGate : IDisposable
{
    /// <summary>Waiters beyond this many are refused at once: each holds a request open.</summary>
    public const int MaxQueued = 1024;

    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeSpan _queueTimeout;
    private readonly AuthMetrics _metrics;

    public PasswordHashGate(IOptions<AuthOptions> options, AuthMetrics metrics)
    {
        Permits = PermitsFor(options.Value.PasswordHashConcurrency, Environment.ProcessorCount);
        _queueTimeout = options.Value.PasswordHashQueueTimeout;
        _metrics = metrics;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Permits,
            QueueLimit = MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>How many hashes may run at once.</summary>
    public int Permits { get; }

    /// <summary>The configured count, or for 0 one less than the cores (at least one), so a core stays free for I/O.</summary>
    public static int PermitsFor(int configured, int processorCount) => configured > 0 ? configured : Math.Max(1, processorCount - 1);

    /// <summary>Runs <paramref name="hash"/> once a permit is free.</summary>
    /// <exception cref="PasswordHashingBusyException">No permit within the queue timeout, or the queue is full.</exception>
    public async Task<T> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(cancellationToken);
        // On a pool thread of its own: the thread that freed the permit may be the one that resumes here.
        return await Task.Run(hash, CancellationToken.None);
    }

    private async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired && _queueTimeout > TimeSpan.Zero)
        {
            lease.Dispose();
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(_queueTimeout);
            try
            {
                lease = await _limiter.AcquireAsync(1, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Refused();
            }
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw Refused();
        }

        return lease;
    }

    private PasswordHashingBusyException Refused()
    {
        _metrics.PasswordHashRefused();
        // By then the queue has moved on by about one timeout's worth of hashes.
        return new PasswordHashingBusyException(_queueTimeout > TimeSpan.FromSeconds(1) ? _queueTimeout : TimeSpan.FromSeconds(1));
    }

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Too many password checks at once on this instance: answered 503 with Retry-After, nothing checked.</summary>
public sealed class PasswordHashingBusyException(TimeSpan retryAfter)
    : Exception("Too many password checks at once on this instance.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
