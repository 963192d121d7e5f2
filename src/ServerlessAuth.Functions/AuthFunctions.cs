using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ServerlessAuth.Http;

namespace ServerlessAuth.Functions;

/// <summary>
/// HTTP entry points. Each function only hands the proxied <see cref="HttpContext"/> to the shared
/// endpoint code, which is also what the plain ASP.NET Core host runs. No method list is given, so
/// every HTTP method reaches the endpoint and it answers 405 itself, exactly as the other host does.
/// The returned <see cref="IResult"/> is executed against the same HttpContext by the ASP.NET Core
/// integration. Routes are relative to host.json's routePrefix ("api").
/// </summary>
public static class AuthFunctions
{
    [Function("Login")]
    public static Task<IResult> LoginAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/login")] HttpRequest request) =>
        AuthEndpoints.LoginAsync(request.HttpContext);

    [Function("Token")]
    public static Task<IResult> TokenAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/token")] HttpRequest request) =>
        AuthEndpoints.TokenAsync(request.HttpContext);

    [Function("Logout")]
    public static Task<IResult> LogoutAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/logout")] HttpRequest request) =>
        AuthEndpoints.LogoutAsync(request.HttpContext);

    [Function("Me")]
    public static Task<IResult> MeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/me")] HttpRequest request) =>
        AuthEndpoints.MeAsync(request.HttpContext);

    [Function("Introspect")]
    public static Task<IResult> IntrospectAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/introspect")] HttpRequest request) =>
        AuthEndpoints.IntrospectAsync(request.HttpContext);

    [Function("Revoke")]
    public static Task<IResult> RevokeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/revoke")] HttpRequest request) =>
        AuthEndpoints.RevokeAsync(request.HttpContext);

    [Function("Revocations")]
    public static Task<IResult> RevocationsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/revocations")] HttpRequest request) =>
        AuthEndpoints.RevocationsAsync(request.HttpContext);

    [Function("Sessions")]
    public static Task<IResult> SessionsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/sessions")] HttpRequest request) =>
        AuthEndpoints.SessionsAsync(request.HttpContext);

    /// <summary>The route parameter names the session; the endpoint reads it from the path, as under the other host.</summary>
    [Function("EndSession")]
    public static Task<IResult> EndSessionAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/sessions/{id}")] HttpRequest request) =>
        AuthEndpoints.EndSessionAsync(request.HttpContext);

    [Function("SignInPage")]
    public static Task<IResult> SignInPageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/signin")] HttpRequest request) =>
        AuthEndpoints.SignInPageAsync(request.HttpContext);

    [Function("AccountPage")]
    public static Task<IResult> AccountPageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/account")] HttpRequest request) =>
        AuthEndpoints.AccountPageAsync(request.HttpContext);

    [Function("Discovery")]
    public static Task<IResult> DiscoveryAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/.well-known/openid-configuration")] HttpRequest request) =>
        AuthEndpoints.DiscoveryAsync(request.HttpContext);

    [Function("Jwks")]
    public static Task<IResult> JwksAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "auth/.well-known/jwks.json")] HttpRequest request) =>
        AuthEndpoints.JwksAsync(request.HttpContext);

    [Function("Health")]
    public static Task<IResult> HealthAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = "health")] HttpRequest request) =>
        AuthEndpoints.HealthAsync(request.HttpContext);
}
