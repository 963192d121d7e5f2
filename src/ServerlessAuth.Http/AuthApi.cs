using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ServerlessAuth.Http;

public static class AuthApi
{
    /// <summary>
    /// Maps the API under <c>/api</c>, the Functions host's route prefix, so both hosts serve the same
    /// URLs. Routes take every method: the endpoints answer 405 themselves, as under Functions.
    /// </summary>
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api");
        Map(api, "/auth/login", AuthEndpoints.LoginAsync, "login");
        Map(api, "/auth/token", AuthEndpoints.TokenAsync, "token");
        Map(api, "/auth/logout", AuthEndpoints.LogoutAsync, "logout");
        Map(api, "/auth/me", AuthEndpoints.MeAsync, "me");
        Map(api, "/auth/introspect", AuthEndpoints.IntrospectAsync, "introspect");
        Map(api, "/auth/revoke", AuthEndpoints.RevokeAsync, "revoke");
        Map(api, "/auth/revocations", AuthEndpoints.RevocationsAsync, "revocations");
        Map(api, "/auth/sessions", AuthEndpoints.SessionsAsync, "sessions");
        Map(api, "/auth/sessions/{id}", AuthEndpoints.EndSessionAsync, "session");
        Map(api, "/auth/signin", AuthEndpoints.SignInPageAsync, "signin");
        Map(api, "/auth/account", AuthEndpoints.AccountPageAsync, "account");
        Map(api, "/auth" + AuthEndpoints.DiscoveryPath, AuthEndpoints.DiscoveryAsync, "discovery");
        Map(api, "/auth" + AuthEndpoints.JwksPath, AuthEndpoints.JwksAsync, "jwks");
        Map(api, "/health", AuthEndpoints.HealthAsync, "health");
        return api;
    }

    // As a Delegate (not a RequestDelegate), so the returned IResult is executed.
    private static void Map(RouteGroupBuilder api, string pattern, Func<HttpContext, Task<IResult>> endpoint, string name) =>
        api.Map(pattern, (Delegate)endpoint).WithName(name);
}
