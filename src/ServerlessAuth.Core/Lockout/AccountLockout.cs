using Microsoft.Extensions.Options;

namespace ServerlessAuth.Lockout;

/// <summary>
/// Per-username lockout that holds across instances. It is kept by username, not by account, so an
/// unknown name locks exactly like a real one and a 429 says nothing about whether the account exists.
/// </summary>
public sealed class AccountLockout(ILoginFailureStore failures, IOptions<AuthOptions> options, TimeProvider time)
{
    /// <returns>How long the name stays locked (null: it may try now), and whether failures are on record.</returns>
    public async Task<(TimeSpan? Remaining, bool HasFailures)> CheckAsync(string normalizedUsername, CancellationToken cancellationToken)
    {
        var state = await failures.GetAsync(normalizedUsername, cancellationToken);
        var now = time.GetUtcNow();
        return (state?.LockedUntil is { } until && until > now ? until - now : null, state is not null);
    }

    /// <returns>The lock that this failure started, if any.</returns>
    public async Task<TimeSpan?> RecordFailureAsync(string normalizedUsername, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var state = await failures.UpdateAsync(normalizedUsername, current =>
        {
            // A quiet day forgives old failures.
            var count = current is null || now - current.LastFailureAt > TimeSpan.FromDays(1) ? 1 : current.Count + 1;
            DateTimeOffset? lockedUntil = null;
            if (count >= settings.LockoutThreshold)
            {
                var doublings = Math.Min(count - settings.LockoutThreshold, 20);
                var duration = TimeSpan.FromTicks(Math.Min(settings.LockoutDuration.Ticks << doublings, settings.LockoutMaxDuration.Ticks));
                lockedUntil = now + duration;
            }

            return new LoginFailures(count, lockedUntil, now);
        }, cancellationToken);

        return state.LockedUntil is { } until && until > now ? until - now : null;
    }

    public Task ResetAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        failures.ResetAsync(normalizedUsername, cancellationToken);
}
