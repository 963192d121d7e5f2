namespace ServerlessAuth.Audit;

/// <summary>What an audit record is about. The numbers are part of the contract: event id = 1000 + value.</summary>
public enum AuditKind
{
    LoginSucceeded = 1,
    LoginFailed = 2,
    LockedOut = 3,
    Throttled = 4,
    RefreshReuseDetected = 5,
    Logout = 6,
    SessionEndedByUser = 7,
    SessionEndedByAdmin = 8,
    UserAdded = 9,
    UserDisabled = 10,
    UserEnabled = 11,
    UserUnlocked = 12,
    KeyRotated = 13,
    KeyDisabled = 14,
    EveryoneLoggedOut = 15,
    ClientAdded = 16,
    ClientRemoved = 17,
    KeyEnabled = 18,
}

/// <summary>Who made the request: the client's address and user agent (the admin CLI has neither address nor browser).</summary>
public sealed record AuditActor(string? ClientAddress, string? UserAgent)
{
    public static readonly AuditActor Operator = new(null, "serverlessauth-admin");
}

/// <summary>
/// One audit record. Holds ids, never a password, cookie, refresh token or access token; <see cref="Detail"/>
/// is built by the service from fixed words and numbers, never from client text.
/// </summary>
public sealed record AuditEvent(
    AuditKind Kind,
    DateTimeOffset At,
    string? UserId,
    string? ClientAddress,
    string? UserAgent,
    string Outcome,
    string? Detail)
{
    public const int MaxUserAgentLength = Sessions.SessionService.MaxUserAgentLength;

    /// <summary>The stable name of a kind (<c>login_failed</c>), as in the table, the log and <c>audit list --kind</c>.</summary>
    public static string NameOf(AuditKind kind) => kind switch
    {
        AuditKind.LoginSucceeded => "login_succeeded",
        AuditKind.LoginFailed => "login_failed",
        AuditKind.LockedOut => "locked_out",
        AuditKind.Throttled => "throttled",
        AuditKind.RefreshReuseDetected => "refresh_reuse_detected",
        AuditKind.Logout => "logout",
        AuditKind.SessionEndedByUser => "session_ended_by_user",
        AuditKind.SessionEndedByAdmin => "session_ended_by_admin",
        AuditKind.UserAdded => "user_added",
        AuditKind.UserDisabled => "user_disabled",
        AuditKind.UserEnabled => "user_enabled",
        AuditKind.UserUnlocked => "user_unlocked",
        AuditKind.KeyRotated => "key_rotated",
        AuditKind.KeyDisabled => "key_disabled",
        AuditKind.EveryoneLoggedOut => "everyone_logged_out",
        AuditKind.ClientAdded => "client_added",
        AuditKind.ClientRemoved => "client_removed",
        AuditKind.KeyEnabled => "key_enabled",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParseKind(string? name, out AuditKind kind)
    {
        foreach (var candidate in Enum.GetValues<AuditKind>())
        {
            if (NameOf(candidate) == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}

/// <summary>The audit table: append, and read back from an instant on (newest last).</summary>
public interface IAuditStore
{
    Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditEvent>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
