using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Settings of an API that trusts ServerlessAuth access tokens (section <c>ServerlessAuth</c>,
/// <c>ServerlessAuth__Issuer</c> as environment variables). Defaults match the issuer's own instances.
/// </summary>
public sealed class ServerlessAuthBearerOptions : IValidatableObject
{
    public const string SectionName = "ServerlessAuth";

    /// <summary>
    /// The issuer exactly as its tokens name it, e.g. <c>https://auth.example.com/api/auth</c> (no trailing
    /// slash). Its discovery document is this plus <c>/.well-known/openid-configuration</c>.
    /// </summary>
    [Required(ErrorMessage = "ServerlessAuth:Issuer is required: the issuer's base URL, as its tokens' 'iss' names it.")]
    public string Issuer { get; set; } = "";

    /// <summary>The <c>aud</c> value demanded from every token (the issuer's <c>Auth:Audience</c>).</summary>
    [Required(ErrorMessage = "ServerlessAuth:Audience is required: the 'aud' value demanded from every token.")]
    public string Audience { get; set; } = "";

    /// <summary>A registered API client (<c>serverlessauth-admin clients add</c>): reads the revocations feed and introspects.</summary>
    [Required(ErrorMessage = "ServerlessAuth:ClientId is required: register this API with 'serverlessauth-admin clients add <id>'.")]
    public string ClientId { get; set; } = "";

    [Required(ErrorMessage = "ServerlessAuth:ClientSecret is required: the secret 'serverlessauth-admin clients add' printed.")]
    public string ClientSecret { get; set; } = "";

    /// <summary>How often the revocations endpoint is read.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30", ErrorMessage = "ServerlessAuth:PollInterval must be between 100 ms and 30 seconds.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A token is refused with 503 when the last successful read of the revocations began longer ago than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:05:00", ErrorMessage = "ServerlessAuth:StalenessBound must be between 500 ms and 5 minutes.")]
    public TimeSpan StalenessBound { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Longest <c>exp - iat</c> accepted. Empty: the discovery document's <c>serverlessauth_access_token_lifetime</c>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00", ErrorMessage = "ServerlessAuth:AccessTokenLifetime must be between 30 seconds and 1 hour.")]
    public TimeSpan? AccessTokenLifetime { get; set; }

    /// <summary>Tolerated clock difference with the issuer when checking exp and nbf.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "ServerlessAuth:ClockSkew must be between 0 and 5 minutes.")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound of one call to the issuer (discovery, keys, revocations, introspection).</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00", ErrorMessage = "ServerlessAuth:HttpTimeout must be between 500 ms and 1 minute.")]
    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the discovery document and keys are re-read without a key event (the issuer's SigningKeys:RefreshInterval).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "ServerlessAuth:KeyRefreshInterval must be between 5 seconds and 1 hour.")]
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Least time between two key re-reads caused by tokens with an unknown <c>kid</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "ServerlessAuth:UnknownKeyRefreshCooldown must be between 0 and 5 minutes.")]
    public TimeSpan UnknownKeyRefreshCooldown { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The issuer must be HTTPS (the client secret travels to it). Only a local test may turn this off.</summary>
    public bool RequireHttps { get; set; } = true;

    internal Uri DiscoveryAddress => new(Issuer + "/.well-known/openid-configuration");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Issuer))
        {
            if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || (issuer.Scheme != Uri.UriSchemeHttps && issuer.Scheme != Uri.UriSchemeHttp)
                || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
            {
                yield return new ValidationResult("ServerlessAuth:Issuer must be an absolute https URL without query or fragment.", [nameof(Issuer)]);
            }
            else if (Issuer.EndsWith('/'))
            {
                yield return new ValidationResult("ServerlessAuth:Issuer must not end with '/': it is compared with the tokens' 'iss' exactly.", [nameof(Issuer)]);
            }
            else if (RequireHttps && issuer.Scheme != Uri.UriSchemeHttps)
            {
                yield return new ValidationResult("ServerlessAuth:Issuer must be https (the client secret is sent to it).", [nameof(Issuer)]);
            }
        }

        if (StalenessBound <= PollInterval)
        {
            yield return new ValidationResult(
                "ServerlessAuth:StalenessBound must be longer than ServerlessAuth:PollInterval, or every pause between polls would refuse tokens.",
                [nameof(StalenessBound)]);
        }
    }
}
