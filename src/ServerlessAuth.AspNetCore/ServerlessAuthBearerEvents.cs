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
        OnAuthenticationFailed = AuthenticationFailed,
        OnChallenge = ChallengeAsync,
    };

    private static async Task TokenValidatedAsync(TokenValidatedContext context)
    {
        if (context.SecurityToken is not JsonWebToken token)
        {
            context.Fail(new TokenRefusedException(ServerlessAuthTokenCheck.Malformed));
            return;
        }

        var check = context.HttpContext.RequestServices.GetRequiredService<ServerlessAuthTokenCheck>();
        try
        {
            if (await check.FindRefusalAsync(token, context.HttpContext.RequestAborted) is { } refusal)
            {
                context.Fail(new TokenRefusedException(refusal));
            }
        }
        catch (ServerlessAuthUnavailableException ex)
        {
            context.Fail(ex);
        }
    }

    /// <summary>
    /// JwtBearer rethrows what its pipeline threw (the discovery document unreadable) unless a result is
    /// set here: fail instead, and let the challenge answer 503.
    /// </summary>
    private static Task AuthenticationFailed(AuthenticationFailedContext context)
    {
        if (context.Result is null && context.Exception is not SecurityTokenException)
        {
            context.Fail(context.Exception is ServerlessAuthUnavailableException
                ? context.Exception
                : new ServerlessAuthUnavailableException("The token could not be checked: " + context.Exception.Message, context.Exception));
        }

        return Task.CompletedTask;
    }

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
