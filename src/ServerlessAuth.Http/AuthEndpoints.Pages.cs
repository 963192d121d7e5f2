using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Audit;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Http;

/// <summary>The sign-in and account pages (see <see cref="AuthPages"/>).</summary>
public static partial class AuthEndpoints
{
    /// <summary><c>GET /api/auth/signin</c>: the sign-in form, with the error it was redirected back with in words.</summary>
    public static Task<IResult> SignInPageAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, (services, _) =>
        {
            var query = context.Request.Query;
            var returnUrl = query["returnUrl"].Count == 1 && ReturnUrls.IsLocal(query["returnUrl"][0]) ? query["returnUrl"][0]! : ReturnUrls.Default;
            var error = query["error"].Count == 1 ? query["error"][0] : null;
            var wait = query["wait"].Count == 1 ? query["wait"][0] : null;
            var notice = query["notice"].Count == 1 ? query["notice"][0] : null;
            var pages = Pages(services);
            return Task.FromResult(Page(context, pages, AuthPages.SignIn(pages, returnUrl, AuthPages.ErrorText(error, wait), AuthPages.NoticeText(notice))));
        });

    /// <summary>
    /// <c>GET /api/auth/account</c>: the signed-in user's sessions and the sign-out forms; without a live cookie, the sign-in page.
    /// <c>POST</c> (a row's "Sign out", form field <c>session</c>): ends that one session of the user's, then back to the page.
    /// </summary>
    public static Task<IResult> AccountPageAsync(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
            ? HandleAsync(context, HttpMethods.Post, (services, ct) => EndSessionFromPageAsync(context, services, ct))
            : HandleAsync(context, HttpMethods.Get, async (services, ct) =>
            {
                if (await ActiveFromCookieAsync(context, services, ct) is not { } active)
                {
                    return ToSignIn(context);
                }

                var live = await services.GetRequiredService<SessionService>().ListLiveAsync(active.User.Id, ct);
                var notice = context.Request.Query["notice"].Count == 1 ? context.Request.Query["notice"][0] : null;
                var pages = Pages(services);
                return Page(context, pages, AuthPages.Account(pages, active.User.Username, live.OrderByDescending(s => s.CreatedAt), active.Session.Id, AuthPages.NoticeText(notice)));
            });

    /// <summary>The cookie's live session, or null (a dead cookie is cleared).</summary>
    private static async Task<ActiveSession?> ActiveFromCookieAsync(HttpContext context, IServiceProvider services, CancellationToken ct)
    {
        var cookie = SessionCookie.Read(context.Request);
        var active = cookie is null ? null : await services.GetRequiredService<SessionService>().ResolveAsync(cookie, ct);
        if (active is null && cookie is not null)
        {
            SessionCookie.Clear(context.Response);
        }

        return active;
    }

    private static IResult ToSignIn(HttpContext context) =>
        SeeOther(context, AuthPages.SignInPath + "?returnUrl=" + Uri.EscapeDataString(AuthPages.AccountPath));

    /// <summary>
    /// The page's per-row sign-out: the cookie proves who asks (cross-site posts are refused by the shared frame, as
    /// for every cookie POST), and only a session of that user can be ended, as with <c>DELETE /sessions/{id}</c>.
    /// </summary>
    private static async Task<IResult> EndSessionFromPageAsync(HttpContext context, IServiceProvider services, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(context.Request, ct);
        if (body.Error is not null)
        {
            return body.Error;
        }

        if (body.Kind != RequestBody.Kind.Form)
        {
            return Problems.UnsupportedMediaType("application/x-www-form-urlencoded");
        }

        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> form;
        try
        {
            form = await body.ReadFormAsync();
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or System.Text.DecoderFallbackException)
        {
            return Problems.BadRequest("The form body is malformed.");
        }

        if (Repeated(form, AuthPages.EndSessionField) is { } repeated)
        {
            return Problems.RepeatedField(repeated);
        }

        var id = Single(form, AuthPages.EndSessionField);
        if (id is null || !SessionCookieValue.IsSessionId(id))
        {
            return Problems.BadRequest("session must be the id of one of your sessions.");
        }

        if (await ActiveFromCookieAsync(context, services, ct) is not { } active)
        {
            return ToSignIn(context);
        }

        if (!await services.GetRequiredService<SessionService>().EndOwnAsync(active.User.Id, id, ct))
        {
            // Already ended (another tab, another device): the page shows what is left.
            return SeeOther(context, AuthPages.AccountPath);
        }

        await services.GetRequiredService<AuditTrail>().RecordAsync(AuditKind.SessionEndedByUser, Actor(context), active.User.Id, "ok", $"session={id}", ct);
        if (id == active.Session.Id)
        {
            SessionCookie.Clear(context.Response);
            return SeeOther(context, AuthPages.SignInPath + "?notice=signed_out");
        }

        return SeeOther(context, AuthPages.AccountPath + "?notice=session_ended");
    }

    private static PagesOptions Pages(IServiceProvider services) => services.GetRequiredService<IOptions<PagesOptions>>().Value;

    private static IResult Page(HttpContext context, PagesOptions pages, string html)
    {
        AuthPages.ApplyHeaders(context.Response, pages);
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
