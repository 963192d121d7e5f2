using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.Http;

/// <summary>The branding of the sign-in and account pages.</summary>
public sealed class PagesOptions : IValidatableObject
{
    public const string SectionName = "Pages";

    /// <summary>Shown in every page's header and title.</summary>
    [Required, StringLength(60, MinimumLength = 1, ErrorMessage = "Pages:ProductName must be 1 to 60 characters.")]
    public string ProductName { get; set; } = "ServerlessAuth";

    /// <summary>An image shown beside the product name: an absolute https URL or a local path (/logo.svg). None by default.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>The CSP source that allows the logo: its origin, or 'self' for a local path; null without a logo.</summary>
    public string? LogoSource => LogoUrl switch
    {
        null or "" => null,
        _ when ReturnUrls.IsLocal(LogoUrl) => "'self'",
        _ => new Uri(LogoUrl).GetLeftPart(UriPartial.Authority),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(LogoUrl) && !ReturnUrls.IsLocal(LogoUrl)
            && !(Uri.TryCreate(LogoUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.UserInfo.Length == 0))
        {
            yield return new ValidationResult("Pages:LogoUrl must be an absolute https URL or a local path such as /logo.svg.", [nameof(LogoUrl)]);
        }
    }
}
