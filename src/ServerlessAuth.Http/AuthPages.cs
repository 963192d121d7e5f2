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

    public const string EndSessionField = "session";

    // Mobile first: one column of cards that never exceeds the viewport (390 px phones included).
    private const string Style =
        "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;color:#222;line-height:1.4}"
        + "header{display:flex;align-items:center;gap:.6rem;margin-bottom:1rem;font-weight:600;font-size:1.1rem}header img{height:2rem;max-width:8rem}"
        + "h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}"
        + "label{display:block;margin:.75rem 0 .25rem}input{font:inherit;padding:.5rem;width:100%}"
        + "button{font:inherit;padding:.45rem 1rem;cursor:pointer;border:1px solid #888;border-radius:.3rem;background:#f4f4f4}"
        + "form.signin button{margin-top:1rem;width:100%;background:#0a58ca;border-color:#0a58ca;color:#fff}"
        + ".error{color:#a00;border:1px solid #a00;padding:.5rem;border-radius:.3rem}.notice{color:#064;border:1px solid #064;padding:.5rem;border-radius:.3rem}"
        + "ul.sessions{list-style:none;padding:0;margin:0}"
        + "li.session{border:1px solid #ccc;border-radius:.4rem;padding:.6rem .8rem;margin:.5rem 0;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem}"
        + ".device{flex:1 1 12rem;min-width:0;overflow-wrap:anywhere}.device strong{display:block}.device small{color:#555;display:block}"
        + ".current{font-size:.8rem;background:#e7f1ff;color:#0a3d91;border-radius:1rem;padding:.1rem .5rem;margin-left:.3rem;font-weight:normal}"
        + ".actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:1rem}";

    /// <summary>The CSP source for <see cref="Style"/>: its SHA-256, so no other inline style runs.</summary>
    public static readonly string StyleHash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style))) + "'";

    /// <summary>No script, this one stylesheet, forms to ourselves only; images only from the configured logo's origin.</summary>
    public static string ContentSecurityPolicy(PagesOptions pages) =>
        $"default-src 'none'; style-src {StyleHash};{(pages.LogoSource is { } logo ? $" img-src {logo};" : "")} form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

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

    public static string SignIn(PagesOptions pages, string returnUrl, string? errorText, string? noticeText = null)
    {
        var html = new StringBuilder();
        html.Append("<h1>Sign in</h1>");
        AppendNotice(html, noticeText);
        if (errorText is not null)
        {
            html.Append("<p class=\"error\" role=\"alert\">").Append(Encode(errorText)).Append("</p>");
        }

        html.Append("<form class=\"signin\" method=\"post\" action=\"").Append(Encode(LoginPath)).Append("\">")
            .Append("<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>")
            .Append("<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>");
        html.Append("<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(Encode(returnUrl)).Append("\">");

        html.Append("<button type=\"submit\">Sign in</button></form>");
        return Document(pages, "Sign in", html.ToString());
    }

    public static string Account(PagesOptions pages, string username, IEnumerable<Session> sessions, string currentSessionId, string? noticeText = null)
    {
        var html = new StringBuilder();
        html.Append("<h1>Your account</h1>");
        AppendNotice(html, noticeText);
        html.Append("<p>Signed in as <strong id=\"username\">").Append(Encode(username)).Append("</strong>.</p>")
            .Append("<h2>Where you are signed in</h2><ul class=\"sessions\">");
        foreach (var session in sessions)
        {
            var current = session.Id == currentSessionId;
            html.Append("<li class=\"session\" data-session=\"").Append(Encode(session.Id)).Append("\"><div class=\"device\"><strong>")
                .Append(Encode(DeviceNames.Describe(session.UserAgent)))
                .Append(current ? "<span class=\"current\">This device</span>" : "").Append("</strong><small>Signed in ")
                .Append(Encode(Time(session.CreatedAt))).Append("</small><small>Last seen ")
                .Append(Encode(Time(session.LastSeenAt))).Append("</small></div>")
                // This device signs out like "Sign out this device"; another one ends only that session.
                .Append(current
                    ? LogoutForm("local", "Sign out", "row")
                    : $"<form class=\"row\" method=\"post\" action=\"{Encode(AccountPath)}\"><input type=\"hidden\" name=\"{EndSessionField}\" value=\"{Encode(session.Id)}\"><button type=\"submit\">Sign out</button></form>")
                .Append("</li>");
        }

        html.Append("</ul><div class=\"actions\">")
            .Append(LogoutForm("local", "Sign out this device"))
            .Append(LogoutForm("others", "Sign out other devices"))
            .Append(LogoutForm("global", "Sign out everywhere"))
            .Append("</div>");
        return Document(pages, "Your account", html.ToString());
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static void AppendNotice(StringBuilder html, string? noticeText)
    {
        if (noticeText is not null)
        {
            html.Append("<p class=\"notice\" role=\"status\">").Append(Encode(noticeText)).Append("</p>");
        }
    }

    private static string LogoutForm(string scope, string label, string formClass = "inline") =>
        $"<form class=\"{formClass}\" method=\"post\" action=\"{Encode(LogoutPath)}\"><input type=\"hidden\" name=\"scope\" value=\"{Encode(scope)}\"><button type=\"submit\">{Encode(label)}</button></form>";

    private static string Document(PagesOptions pages, string title, string body)
    {
        var logo = string.IsNullOrEmpty(pages.LogoUrl) ? "" : $"<img src=\"{Encode(pages.LogoUrl)}\" alt=\"\">";
        return $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + $"<title>{Encode(title)} - {Encode(pages.ProductName)}</title><style>{Style}</style></head>"
            + $"<body><header>{logo}<span class=\"product\">{Encode(pages.ProductName)}</span></header><main>{body}</main></body></html>";
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    /// <summary>The headers of every page, on top of the no-store and nosniff every endpoint sends.</summary>
    public static void ApplyHeaders(HttpResponse response, PagesOptions pages)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(pages);
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }
}
