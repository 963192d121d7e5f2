using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Audit;
using ServerlessAuth.Http.Contracts;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Http;

/// <summary>The caller's own sessions: list them, end one. Both need a valid bearer token.</summary>
public static partial class AuthEndpoints
{
    public static Task<IResult> SessionsAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var (claims, refusal) = await AuthenticateAsync(context, services, ct);
            if (claims is null)
            {
                return refusal!;
            }

            var live = await services.GetRequiredService<SessionService>().ListLiveAsync(claims.Subject, ct);
            return TypedResults.Ok(new SessionsResponse([.. live
                .OrderByDescending(s => s.CreatedAt)
                .Select(s => new SessionInfo(s.Id, s.CreatedAt, s.LastSeenAt, s.UserAgent, SessionKindNames.Of(s.Kind), s.Id == claims.SessionId))]));
        });

    /// <summary><c>DELETE /api/auth/sessions/{id}</c>: 204, or 404 for an id that is no session of the caller's.</summary>
    public static Task<IResult> EndSessionAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Delete, async (services, ct) =>
        {
            var (claims, refusal) = await AuthenticateAsync(context, services, ct);
            if (claims is null)
            {
                return refusal!;
            }

            // The last path segment, read the same way under both hosts.
            var id = context.Request.Path.Value?.TrimEnd('/').Split('/')[^1] ?? "";
            if (!await services.GetRequiredService<SessionService>().EndOwnAsync(claims.Subject, id, ct))
            {
                return Problems.NotFound("You have no session with this id.");
            }

            await services.GetRequiredService<AuditTrail>().RecordAsync(
                AuditKind.SessionEndedByUser, Actor(context), claims.Subject, "ok", $"session={id}", ct);
            return TypedResults.NoContent();
        });
}
