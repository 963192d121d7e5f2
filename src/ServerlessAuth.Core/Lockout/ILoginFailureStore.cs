namespace ServerlessAuth.Lockout;

/// <summary>Failed-login state of one normalized username, whether or not such an account exists.</summary>
public sealed record LoginFailures(int Count, DateTimeOffset? LockedUntil, DateTimeOffset LastFailureAt);

public interface ILoginFailureStore
{
    Task<LoginFailures?> GetAsync(string normalizedUsername, CancellationToken cancellationToken);

    /// <summary>Atomically applies <paramref name="update"/> to the stored state (optimistic concurrency).</summary>
    Task<LoginFailures> UpdateAsync(string normalizedUsername, Func<LoginFailures?, LoginFailures> update, CancellationToken cancellationToken);

    Task ResetAsync(string normalizedUsername, CancellationToken cancellationToken);
}
