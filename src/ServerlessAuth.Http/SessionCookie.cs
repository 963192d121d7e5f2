using Microsoft.AspNetCore.Http;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Http;

/// <summary>
/// The one cookie policy. <c>__Host-</c> binds the cookie to this exact host over HTTPS with Path=/
/// and no Domain (RFC 6265bis); HttpOnly keeps it from scripts; SameSite=Strict keeps cross-site
/// requests from carrying it. It is cleared with the very same name and attributes it was set with.
/// </summary>
public static class SessionCookie
{
    public const string Name = "__Host-session";

    public static void Append(HttpResponse response, SessionCookieValue value, DateTimeOffset expires) =>
        response.Cookies.Append(Name, value.ToString(), Options(expires));

    public static void Clear(HttpResponse response) =>
        response.Cookies.Delete(Name, Options(expires: null));

    /// <summary>The presented cookie, if it is exactly one well-formed value; anything else is "no session".</summary>
    public static SessionCookieValue? Read(HttpRequest request)
    {
        string? found = null;
        foreach (var header in request.Headers.Cookie)
        {
            foreach (var pair in (header ?? "").Split(';'))
            {
                var separator = pair.IndexOf('=');
                if (separator <= 0 || pair.AsSpan(0, separator).Trim().ToString() != Name)
                {
                    continue;
                }

                if (found is not null)
                {
                    return null; // Two session cookies: one may be planted; trust neither.
                }

                found = pair[(separator + 1)..].Trim();
            }
        }

        return SessionCookieValue.TryParse(found, out var value) ? value : null;
    }

    private static CookieOptions Options(DateTimeOffset? expires) => new()
    {
        Path = "/",
        Secure = true,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        IsEssential = true,
        Expires = expires,
    };
}
