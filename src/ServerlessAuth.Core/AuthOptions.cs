using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth;

/// <summary>Settings of the <c>Auth</c> section (<c>Auth__Issuer</c> in app settings).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    [Required(ErrorMessage = "Auth:Issuer is required: the 'iss' value put into and demanded from every token.")]
    public string Issuer { get; set; } = "";

    [Required(ErrorMessage = "Auth:Audience is required: the 'aud' value put into and demanded from every token.")]
    public string Audience { get; set; } = "";

    /// <summary>Lifetime of an access token. Short, because a token is a bearer credential.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00", ErrorMessage = "Auth:AccessTokenLifetime must be between 30 seconds and 1 hour.")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Tolerated clock difference between instances when checking exp and nbf.</summary>
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
    /// instead of counting as reuse (which ends the session).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = "Auth:RefreshReuseGraceWindow must be between 0 and 1 minute.")]
    public TimeSpan RefreshReuseGraceWindow { get; set; } = TimeSpan.FromSeconds(5);

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
}
