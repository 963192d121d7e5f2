using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Http;

/// <summary>
/// The server-rendered pages: plain HTML, one inline stylesheet allowed by its hash, no script at all.
/// Every value from a request or from storage is HTML-encoded.
/// </summary>
public static class AuthPages
{
    public const string SignInPath = "/api/auth/signin";
    public const string AccountPath = "/api/auth/account";
    public const string LoginPath = "/api/auth/login";
    public const string LogoutPath = "/api/auth/logout";

    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}"
        + "label{display:block;margin:.75rem 0 .25rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}"
        + "button{font:inherit;margin-top:1rem;padding:.4rem 1rem}.error{color:#a00;border:1px solid #a00;padding:.5rem}"
        + ".notice{color:#064;border:1px solid #064;padding:.5rem}"
        + "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left}"
        + "form.inline{display:inline-block;margin-right:.5rem}";

    /// <summary>The CSP source for <see cref="Style"/>: its SHA-256, so no other inline style runs.</summary>
    public static readonly string StyleHash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style))) + "'";

    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; style-src {StyleHash}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The words for the error codes the login form redirects back with; none says whether a user exists.</summary>
    public static string? ErrorText(string? error, string? wait) => error switch
    {
        "invalid_credentials" => "The username or password is incorrect.",
        "locked" => "Too many failed attempts. Sign-in is paused" + WaitText(wait) + ".",
        "throttled" => "Too many sign-in attempts from here. Try again" + WaitText(wait, " in ") + ".",
        null or "" => null,
        _ => "Sign-in failed. Try again.",
    };

    /// <summary>Where a form sign-out lands: the sign-in page saying so, or (others) the account page, whose session stays.</summary>
    public static string AfterLogout(Logout.LogoutScope scope) => scope == Logout.LogoutScope.Others
        ? AccountPath + "?notice=others_signed_out"
        : SignInPath + "?notice=signed_out";

    /// <summary>The confirmations the pages are redirected to with; unknown codes show nothing.</summary>
    public static string? NoticeText(string? notice) => notice switch
    {
        "signed_out" => "You have signed out.",
        "others_signed_out" => "Your other devices have been signed out.",
        "session_ended" => "That device has been signed out.",
        _ => null,
    };

    private static string WaitText(string? wait, string prefix = " for ") =>
        int.TryParse(wait, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? $"{prefix}{seconds} second{(seconds == 1 ? "" : "s")}"
            : prefix == " in " ? " later" : " for a while";

    public static string SignIn(string returnUrl, string? errorText, string? noticeText = null)
    {
        var html = new StringBuilder();
        html.Append("<h1>Sign in</h1>");
        AppendNotice(html, noticeText);
        if (errorText is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\">").Append(Encode(errorText)).Append("</p>");
        }

        html.Append("<form method=\"post\" action=\"").Append(Encode(LoginPath)).Append("\">")
            .Append("<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>")
            .Append("<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>");
        html.Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(Encode(returnUrl)).Append("\">");

        html.Append("<button type=\"submit\">Sign in</button></form>");
        return Document("Sign in", html.ToString());
    }

    public static string Account(string username, IEnumerable<Session> sessions, string currentSessionId, string? noticeText = null)
    {
        var html = new StringBuilder();
        html.Append("<h1>Your account</h1>");
        AppendNotice(html, noticeText);
        html.Append("<p>Signed in as <strong id=\"username\">").Append(Encode(username)).Append("</strong>.</p>")
            .Append("<h2>Sessions</h2><table><thead><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead><tbody>");
        foreach (var session in sessions)
        {
            var current = session.Id == currentSessionId;
            html.Append("<tr class=\"session\" data-session=\"").Append(Encode(session.Id)).Append("\"><td>")
                .Append(Encode(string.IsNullOrEmpty(session.UserAgent) ? "Unknown device" : session.UserAgent)).Append("</td><td>")
                .Append(Encode(session.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(Encode(session.LastSeenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(current ? "<strong class=\"current\">This device</strong>" : "").Append("</td></tr>");
        }

        html.Append("</tbody></table>")
            .Append(LogoutForm("local", "Sign out this device"))
            .Append(LogoutForm("others", "Sign out other devices"))
            .Append(LogoutForm("global", "Sign out everywhere"));
        return Document("Your account", html.ToString());
    }

    private static void AppendNotice(StringBuilder html, string? noticeText)
    {
        if (noticeText is not null)
        {
            html.Append("<p class=\"notice\" role=\"status\">").Append(Encode(noticeText)).Append("</p>");
        }
    }

    private static string LogoutForm(string scope, string label) =>
        $"<form class=\"inline\" method=\"post\" action=\"{Encode(LogoutPath)}\"><input type=\"hidden\" name=\"scope\" value=\"{Encode(scope)}\"><button type=\"submit\">{Encode(label)}</button></form>";

    private static string Document(string title, string body) =>
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>{Encode(title)}</title><style>{Style}</style></head><body>{body}</body></html>";

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    /// <summary>The headers of every page, on top of the no-store and nosniff every endpoint sends.</summary>
    public static void ApplyHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }
}
