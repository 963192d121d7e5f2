using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ServerlessAuth.Http;

/// <summary>
/// Second line against cross-site requests (SameSite=Strict on the cookie is the first): a POST whose
/// <c>Sec-Fetch-Site</c> or <c>Origin</c> shows a foreign site is refused, unless that origin is
/// configured. Requests without either header (curl, servers) are not browsers' cross-site requests.
/// Also the CORS policy: closed unless origins are configured.
/// </summary>
public static class CrossSiteRequests
{
    public static bool IsForeign(HttpContext context, IReadOnlyCollection<string> allowedOrigins)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.Count == 1 ? request.Headers.Origin[0] : request.Headers.Origin.Count > 1 ? "" : null;
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (origin == "null")
        {
            // A browser sends "Origin: null" for its own page's form post under Referrer-Policy: no-referrer
            // (our pages' policy); only its Sec-Fetch-Site, which no page can set, then says it is our own.
            return site != "same-origin";
        }

        if (origin is not null)
        {
            return !IsOwnOrigin(request, origin) && !allowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase);
        }

        return site is "cross-site" or "same-site";
    }

    /// <summary>Adds CORS response headers for a configured origin; returns whether it was one.</summary>
    public static bool ApplyCors(HttpContext context, IReadOnlyCollection<string> allowedOrigins)
    {
        var origin = context.Request.Headers.Origin.ToString();
        context.Response.Headers.Vary = HeaderNames.Origin;
        if (origin.Length == 0 || !allowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        context.Response.Headers.AccessControlAllowOrigin = origin;
        context.Response.Headers.AccessControlAllowCredentials = "true";
        return true;
    }

    public static IResult Preflight(HttpContext context, string method)
    {
        context.Response.Headers.AccessControlAllowMethods = method;
        context.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type";
        context.Response.Headers.AccessControlMaxAge = "600";
        return TypedResults.NoContent();
    }

    private static bool IsOwnOrigin(HttpRequest request, string origin) =>
        string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)
        || string.Equals(origin, $"https://{request.Host}", StringComparison.OrdinalIgnoreCase);
}
