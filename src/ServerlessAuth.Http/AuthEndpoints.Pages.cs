using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Http;

/// <summary>The sign-in and account pages (see <see cref="AuthPages"/>).</summary>
public static partial class AuthEndpoints
{
    /// <summary><c>GET /api/auth/signin</c>: the sign-in form, with the error it was redirected back with in words.</summary>
    public static Task<IResult> SignInPageAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, (_, _) =>
        {
            var query = context.Request.Query;
            var returnUrl = query["returnUrl"].Count == 1 && ReturnUrls.IsLocal(query["returnUrl"][0]) ? query["returnUrl"][0]! : ReturnUrls.Default;
            var error = query["error"].Count == 1 ? query["error"][0] : null;
            var wait = query["wait"].Count == 1 ? query["wait"][0] : null;
            var notice = query["notice"].Count == 1 ? query["notice"][0] : null;
            return Task.FromResult(Page(context, AuthPages.SignIn(returnUrl, AuthPages.ErrorText(error, wait), AuthPages.NoticeText(notice))));
        });

    /// <summary><c>GET /api/auth/account</c>: the signed-in user's sessions and the sign-out forms; without a live cookie, the sign-in page.</summary>
    public static Task<IResult> AccountPageAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var cookie = SessionCookie.Read(context.Request);
            var sessions = services.GetRequiredService<SessionService>();
            var active = cookie is null ? null : await sessions.ResolveAsync(cookie, ct);
            if (active is null)
            {
                if (cookie is not null)
                {
                    SessionCookie.Clear(context.Response);
                }

                return SeeOther(context, AuthPages.SignInPath + "?returnUrl=" + Uri.EscapeDataString(AuthPages.AccountPath));
            }

            var live = await sessions.ListLiveAsync(active.User.Id, ct);
            var notice = context.Request.Query["notice"].Count == 1 ? context.Request.Query["notice"][0] : null;
            return Page(context, AuthPages.Account(active.User.Username, live.OrderByDescending(s => s.CreatedAt), active.Session.Id, AuthPages.NoticeText(notice)));
        });

    private static IResult Page(HttpContext context, string html)
    {
        AuthPages.ApplyHeaders(context.Response);
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    /// <summary>A failed form login goes back to the sign-in page with an error code, never saying whether the user exists.</summary>
    private static IResult BackToSignIn(HttpContext context, string error, string? returnUrl, TimeSpan? wait = null)
    {
        var location = AuthPages.SignInPath + "?error=" + error;
        if (wait is { } w)
        {
            location += "&wait=" + Math.Max(1, (int)Math.Ceiling(w.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (returnUrl is not null && returnUrl != ReturnUrls.Default)
        {
            location += "&returnUrl=" + Uri.EscapeDataString(returnUrl);
        }

        return SeeOther(context, location);
    }
}
