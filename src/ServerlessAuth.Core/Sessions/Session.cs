namespace ServerlessAuth.Sessions;

/// <summary>How a session's credential is held: a browser cookie, or a refresh token kept by a non-browser client.</summary>
public enum SessionKind
{
    Cookie,
    RefreshToken,
}

/// <summary>The stable names of <see cref="SessionKind"/>: in the table, the sessions API and the audit records.</summary>
public static class SessionKindNames
{
    public const string Cookie = "cookie";
    public const string RefreshToken = "refresh_token";

    public static string Of(SessionKind kind) => kind == SessionKind.RefreshToken ? RefreshToken : Cookie;

    /// <summary>Rows written before refresh tokens existed have no kind: they are cookie sessions.</summary>
    public static SessionKind Parse(string? name) => name == RefreshToken ? SessionKind.RefreshToken : SessionKind.Cookie;
}

/// <summary>A login session. Only a hash of the credential's secret (cookie or refresh token) is kept.</summary>
public sealed record Session
{
    public required string UserId { get; init; }

    /// <summary>Random id; the token's <c>sid</c>.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 of the current secret.</summary>
    public required byte[] SecretHash { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Absolute end, fixed at login.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    public string? UserAgent { get; init; }

    public SessionKind Kind { get; init; } = SessionKind.Cookie;

    /// <summary>Refresh tokens: SHA-256 of the secret spent by the last rotation (reuse detection), if any.</summary>
    public byte[]? PreviousSecretHash { get; init; }

    /// <summary>
    /// Refresh tokens: the session's chain key, random, made with the session (or at the first rotation of a
    /// row that lacks one) and never changed. Each successor's secret is HMAC-SHA256(this key, spent secret),
    /// so a retry with the spent secret gets the same successor again, and a spent secret of any generation
    /// can be proven authentic by walking the chain forward; the key never leaves storage.
    /// </summary>
    public byte[]? ChainKey { get; init; }

    /// <summary>Refresh tokens: when the last rotation spent <see cref="PreviousSecretHash"/>, by the clock of the instance that rotated.</summary>
    public DateTimeOffset? RotatedAt { get; init; }

    /// <summary>
    /// How long ago the row was last written, measured by the store on its own clock when it was read (its
    /// write time against the time of its answer); null when the store cannot say. Not stored.
    /// </summary>
    public TimeSpan? SinceLastWrite { get; init; }

    /// <summary>The store's version of the row (ETag), for conditional updates; null for a session not read from the store.</summary>
    public string? Version { get; init; }

    public DateTimeOffset IdleExpiresAt(TimeSpan idleTimeout) => LastSeenAt + idleTimeout;

    public bool IsLiveAt(DateTimeOffset now, TimeSpan idleTimeout) =>
        now < ExpiresAt && now < IdleExpiresAt(idleTimeout);
}
