using Microsoft.AspNetCore.Http;

namespace ServerlessAuth.Http;

/// <summary>
/// The one error shape: RFC 9457 problem details with a stable machine-readable <c>code</c>.
/// Details never echo credentials or say whether an account exists.
/// </summary>
public static class Problems
{
    /// <summary>
    /// The challenge of the login and token 401s (RFC 9110 15.5.2: every 401 has one). Credentials here are a
    /// password posted to the login endpoint, which sets the session cookie; a scheme of its own keeps
    /// browsers from showing a Basic dialog.
    /// </summary>
    public const string SessionChallenge = "Cookie realm=\"serverlessauth\", form-action=\"/api/auth/login\", cookie-name=\"" + SessionCookie.Name + "\"";

    public static IResult InvalidCredentials(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = SessionChallenge;
        return Problem(StatusCodes.Status401Unauthorized, "invalid_credentials", "Login failed", "The username or password is incorrect.");
    }

    public static IResult NoSession(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = SessionChallenge;
        return Problem(StatusCodes.Status401Unauthorized, "no_session", "No active session", "Log in to get a session.");
    }

    public static IResult BadRequest(string detail) =>
        Problem(StatusCodes.Status400BadRequest, "invalid_request", "Invalid request", detail);

    public static IResult NotFound(string detail) =>
        Problem(StatusCodes.Status404NotFound, "not_found", "Not found", detail);

    public static IResult RepeatedField(string name) =>
        BadRequest($"The field '{name}' is given more than once; give it once.");

    public static IResult UnsupportedMediaType(string expected) =>
        Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type", $"Send {expected}.");

    public static IResult PayloadTooLarge(string detail) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Request body too large", detail);

    public static IResult CrossSiteRequest() =>
        Problem(StatusCodes.Status403Forbidden, "cross_site_request", "Cross-site request refused", "This request came from another site.");

    /// <summary>Same answer for a rate-limited client and a locked username, known or not.</summary>
    public static IResult TooManyAttempts(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status429TooManyRequests, "too_many_attempts", "Too many attempts", "Too many login attempts. Try again later.");
    }

    public static IResult MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return Problem(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method not allowed", $"Use {allowed}.");
    }

    public static IResult Unavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = ((int)AuthOptions.UnavailableRetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "Service temporarily unavailable", detail);
    }

    /// <summary>
    /// Every password-hashing permit stayed taken for the queue timeout: the instance is saturated, storage is
    /// fine. A code of its own so clients and dashboards do not read it as a storage outage.
    /// </summary>
    public static IResult Busy(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "busy", "Server busy", "Too many logins at once; nothing was checked. Retry shortly.");
    }

    public static IResult InvalidToken(HttpContext context, string description)
    {
        // RFC 6750 3: the quoted string may not contain '"' or '\'; our descriptions never do.
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{description}\"";
        return Problem(StatusCodes.Status401Unauthorized, "invalid_token", "Invalid token", description);
    }

    public static IResult MissingToken(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem(StatusCodes.Status401Unauthorized, "missing_token", "Authentication required", "Send an access token as 'Authorization: Bearer <token>'.");
    }

    private static IResult Problem(int status, string code, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: TypeFor(status), extensions: new Dictionary<string, object?> { ["code"] = code });

    // ASP.NET Core fills in the RFC 9110 section for most statuses, but not for 429 (RFC 6585).
    private static string? TypeFor(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => null,
    };
}
