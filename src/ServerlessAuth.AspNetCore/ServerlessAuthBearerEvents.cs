using System.Globalization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// JwtBearer's events for ServerlessAuth tokens: after JwtBearer's own checks, <see cref="ServerlessAuthTokenCheck"/>;
/// a refusal is a 401 with <c>error="invalid_token"</c> and its description, and a token whose standing cannot
/// be proven (stale revocation state, issuer unreachable) is a 503 with Retry-After, never a 401 or a 500.
/// </summary>
public static class ServerlessAuthBearerEvents
{
    public static JwtBearerEvents Create() => new()
    {
        OnTokenValidated = TokenValidatedAsync,
        OnAuthenticationFailed = AuthenticationFailedAsync,
        OnChallenge = ChallengeAsync,
    };

    private static async Task TokenValidatedAsync(TokenValidatedContext context)
    {
        if (await FindFailureAsync(context.HttpContext, context.SecurityToken) is { } failure)
        {
            context.Fail(failure);
        }
    }

    /// <returns>null when the token may be used; otherwise why not (a refusal, or the state is unavailable).</returns>
    private static async Task<Exception?> FindFailureAsync(HttpContext httpContext, SecurityToken validated)
    {
        if (validated is not JsonWebToken token)
        {
            return new TokenRefusedException(ServerlessAuthTokenCheck.Malformed);
        }

        var check = httpContext.RequestServices.GetRequiredService<ServerlessAuthTokenCheck>();
        try
        {
            return await check.FindRefusalAsync(token, httpContext.RequestAborted) is { } refusal ? new TokenRefusedException(refusal) : null;
        }
        catch (ServerlessAuthUnavailableException ex)
        {
            return ex;
        }
    }

    /// <summary>
    /// An unknown <c>kid</c>: JwtBearer has just asked for a key refresh; wait for it (bounded) and, when the
    /// key is now known, validate once more, so a token signed with a freshly rotated key is accepted at its
    /// first use. Anything JwtBearer's pipeline threw (the discovery document unreadable) is rethrown by it
    /// unless a result is set here: fail instead, and let the challenge answer 503.
    /// </summary>
    private static async Task AuthenticationFailedAsync(AuthenticationFailedContext context)
    {
        if (context.Exception is SecurityTokenSignatureKeyNotFoundException && BearerToken(context.Request) is { } token)
        {
            var metadata = context.HttpContext.RequestServices.GetRequiredService<IssuerMetadata>();
            if (await metadata.AfterRefreshAsync(context.HttpContext.RequestAborted) is { } document
                && context.Options.TokenHandlers.FirstOrDefault() is { } handler)
            {
                var parameters = context.Options.TokenValidationParameters.Clone();
                parameters.IssuerSigningKeys = document.Configuration.SigningKeys;
                var result = await handler.ValidateTokenAsync(token, parameters);
                if (result.IsValid)
                {
                    if (await FindFailureAsync(context.HttpContext, result.SecurityToken) is { } failure)
                    {
                        context.Fail(failure);
                    }
                    else
                    {
                        context.Principal = new System.Security.Claims.ClaimsPrincipal(result.ClaimsIdentity);
                        context.Success();
                    }

                    return;
                }
            }
        }

        // Only a standing that cannot be proven (stale revocation state, issuer keys unreadable: both raised as
        // ServerlessAuthUnavailableException) is a 503. Anything else the token handler threw is about the token:
        // a malformed one is an ArgumentException (IDX14100), not a SecurityTokenException, and is as invalid as
        // a forged or expired one. The answer's text is ours, never the library's message.
        if (context.Result is null)
        {
            context.Fail(context.Exception is ServerlessAuthUnavailableException
                ? context.Exception
                : new TokenRefusedException(Refusal(context.Exception)));
        }
    }

    private static string Refusal(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: > 0 } all
            ? Refusal(all.InnerExceptions[0])
            : Tokens.AccessTokenValidator.Describe(exception).Error;

    private static string? BearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim() is { Length: > 0 } token ? token : null
            : null;

    private static async Task ChallengeAsync(JwtBearerChallengeContext context)
    {
        switch (context.AuthenticateFailure)
        {
            case ServerlessAuthUnavailableException unavailable:
                context.HandleResponse();
                var bound = context.HttpContext.RequestServices.GetRequiredService<BearerRevocationState>().StalenessBound;
                var response = context.Response;
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(bound.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                response.Headers.CacheControl = "no-store";
                // The issuer's error shape: RFC 9457 problem details with a machine-readable code.
                await TypedResults.Problem(
                    detail: unavailable.Message,
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "Service temporarily unavailable",
                    extensions: new Dictionary<string, object?> { ["code"] = "temporarily_unavailable" })
                    .ExecuteAsync(context.HttpContext);
                break;
            case TokenRefusedException refused:
                // RFC 6750 3: the quoted string may not contain '"' or '\'; these descriptions never do.
                context.Error = "invalid_token";
                context.ErrorDescription = refused.Message;
                break;
        }
    }
}
