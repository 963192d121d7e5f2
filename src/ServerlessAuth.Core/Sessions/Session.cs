namespace ServerlessAuth.Sessions;

/// <summary>A login session. Only a hash of the cookie's secret is kept.</summary>
public sealed record Session
{
    public required string UserId { get; init; }

    /// <summary>Random id; the token's <c>sid</c>.</summary>
    public required string Id { get; init; }

    public required byte[] SecretHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Absolute end, fixed at login.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    public string? UserAgent { get; init; }

    public DateTimeOffset IdleExpiresAt(TimeSpan idleTimeout) => LastSeenAt + idleTimeout;

    public bool IsLiveAt(DateTimeOffset now, TimeSpan idleTimeout) =>
        now < ExpiresAt && now < IdleExpiresAt(idleTimeout);
}
