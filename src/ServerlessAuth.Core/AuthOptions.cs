using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth;

/// <summary>Settings of the <c>Auth</c> section (<c>Auth__Issuer</c> in app settings).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    /// <summary>
    /// The base URL of the auth endpoints, route prefix included (<c>https://host/api/auth</c>): the <c>iss</c> of
    /// every token, and the start of every URL in the discovery document.
    /// </summary>
    [Required(ErrorMessage = "Auth:Issuer is required: the 'iss' value put into and demanded from every token.")]
    public string Issuer { get; set; } = "";

    [Required(ErrorMessage = "Auth:Audience is required: the 'aud' value put into and demanded from every token.")]
    public string Audience { get; set; } = "";

    /// <summary>Lifetime of an access token. Short, because a token is a bearer credential.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00", ErrorMessage = "Auth:AccessTokenLifetime must be between 30 seconds and 1 hour.")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Tolerated clock difference between instances: when checking exp and nbf, in the feed's re-read
    /// overlap, and as the allowance of cutoffs (<see cref="Sessions.SessionValidity.EndedByCutoff"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Auth:ClockSkew must be between 0 and 5 minutes.")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A session unused for this long ends.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Auth:SessionIdleTimeout must be between 1 minute and 30 days.")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A session ends this long after login, however active it is.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Auth:SessionAbsoluteLifetime must be between 1 minute and 90 days.")]
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long after a refresh token was rotated a retry with the spent token still gets the same successor
    /// instead of counting as reuse (which ends the session). Measured on the storage service's clock, from the
    /// rotation's write. 0 turns it off; otherwise it must cover a client's retry after a 503: the storage
    /// timeout that caused it, the <see cref="UnavailableRetryAfter"/> it asked for, and a margin.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "Auth:RefreshReuseGraceWindow must be between 0 and 5 minutes.")]
    public TimeSpan RefreshReuseGraceWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> of every 503 answer (storage or keys unreachable).</summary>
    public static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed logins for one username before it is locked.</summary>
    [Range(1, 100, ErrorMessage = "Auth:LockoutThreshold must be between 1 and 100.")]
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>First lockout; each further failure while at or past the threshold doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Auth:LockoutDuration must be between 1 second and 1 hour.")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Auth:LockoutMaxDuration must be between 1 second and 1 day.")]
    public TimeSpan LockoutMaxDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Login attempts one client address may make per minute on one instance.</summary>
    [Range(1, 100_000, ErrorMessage = "Auth:LoginAttemptsPerMinute must be between 1 and 100,000.")]
    public int LoginAttemptsPerMinute { get; set; } = 20;

    /// <summary>
    /// Header whose last entry is the client address, appended by a trusted front end of the standalone host.
    /// Empty: the connection's address. Leave it empty under Azure Functions: the worker already turns the host's
    /// <c>X-Forwarded-For</c> into the connection's address and removes the header.
    /// </summary>
    public string? ClientAddressHeader { get; set; }

    /// <summary>Browser origins (scheme://host[:port]) other than the service's own that may call it with credentials.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>PBKDF2-HMAC-SHA512 iterations (OWASP Password Storage: at least 210,000).</summary>
    [Range(1_000, 10_000_000, ErrorMessage = "Auth:PasswordHashIterations must be between 1,000 and 10,000,000.")]
    public int PasswordHashIterations { get; set; } = 210_000;

    /// <summary>Password hashes that may run at once on one instance; 0: one less than the cores, at least one.</summary>
    [Range(0, 256, ErrorMessage = "Auth:PasswordHashConcurrency must be between 0 (one less than the cores) and 256.")]
    public int PasswordHashConcurrency { get; set; }

    /// <summary>How long a login waits for a hashing permit before it is answered 503 busy; 0: not at all.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Auth:PasswordHashQueueTimeout must be between 0 and 1 minute.")]
    public TimeSpan PasswordHashQueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Issuer) && IssuerProblem(Issuer) is { } problem)
        {
            yield return new ValidationResult(
                $"Auth:Issuer must be the absolute https URL of the auth endpoints, route prefix included and without a trailing slash, "
                + $"such as https://auth.example.com/api/auth (plain http only for a loopback host); '{Issuer}' {problem}.",
                [nameof(Issuer)]);
        }
    }

    /// <summary>What is wrong with an issuer URL, or null. Discovery builds its URLs as issuer + path, so each part matters.</summary>
    private static string? IssuerProblem(string issuer)
    {
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc)
        {
            return "is not an absolute URL";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            return uri.Scheme == Uri.UriSchemeHttp ? "uses http for a host that is not loopback" : $"has the scheme '{uri.Scheme}'";
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || issuer.Contains('?') || issuer.Contains('#'))
        {
            return "has user information, a query or a fragment";
        }

        if (issuer.EndsWith('/'))
        {
            return "ends with a slash";
        }

        if (uri.AbsolutePath == "/")
        {
            return "has no path: include the route prefix (/api/auth)";
        }

        // As Uri writes it (lower-case host, no default port, nothing escaped), so that the text in tokens and in
        // the discovery document is the one URL other APIs compare with.
        return issuer == uri.AbsoluteUri ? null : $"is not in canonical form (write {uri.AbsoluteUri})";
    }
}
