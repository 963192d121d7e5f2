using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using ServerlessAuth.Clients;
using ServerlessAuth.Http.Contracts;
using ServerlessAuth.Introspection;
using ServerlessAuth.Logout;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.Http;

/// <summary>
/// What other APIs call: introspection (RFC 7662) and the revocation feed, for registered clients with
/// HTTP Basic credentials; revocation (RFC 7009), for anyone who holds the token.
/// </summary>
public static partial class AuthEndpoints
{
    public const string ClientChallenge = "Basic realm=\"ServerlessAuth\"";

    public static Task<IResult> IntrospectAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Post, async (services, ct) =>
        {
            // Credentials first: an unauthenticated caller learns nothing about the token.
            if (await AuthenticateClientAsync(context, services, required: true, ct) is { } refusal)
            {
                return refusal;
            }

            var input = await TokenInput.ReadAsync(context.Request, ct);
            if (input.Error is not null)
            {
                return input.Error;
            }

            var token = await services.GetRequiredService<TokenIntrospection>().IntrospectAsync(input.Token!, input.Hint, ct);
            return TypedResults.Ok(IntrospectionResponse.From(token));
        });

    public static Task<IResult> RevokeAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Post, async (services, ct) =>
        {
            // A public client proves nothing but possession of the token; a client that sends credentials must send good ones.
            if (await AuthenticateClientAsync(context, services, required: false, ct) is { } refusal)
            {
                return refusal;
            }

            var input = await TokenInput.ReadAsync(context.Request, ct);
            if (input.Error is not null)
            {
                return input.Error;
            }

            // RFC 7009 2.2: 200 whether or not the token was valid; the hint is not needed to tell the kinds apart.
            await services.GetRequiredService<LogoutService>().RevokeAsync(input.Token!, ct);
            return TypedResults.Ok();
        });

    public static Task<IResult> RevocationsAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            if (await AuthenticateClientAsync(context, services, required: true, ct) is { } refusal)
            {
                return refusal;
            }

            var floor = services.GetRequiredService<TimeProvider>().GetUtcNow() - services.GetRequiredService<RevocationWindow>().Retention;
            var since = context.Request.Query["since"];
            DateTimeOffset from = floor;
            if (since.Count > 1)
            {
                return Problems.RepeatedField("since");
            }

            if (since.Count == 1)
            {
                if (!long.TryParse(since[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
                    || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
                {
                    return Problems.BadRequest("since must be an instant in unix milliseconds, such as 1733140000123.");
                }

                if (ms > floor.ToUnixTimeMilliseconds())
                {
                    from = DateTimeOffset.FromUnixTimeMilliseconds(ms);
                }
            }

            // The table read may start a little earlier (it allows for this instance's clock against the
            // storage service's); the answer holds what was published at or after since, as followers ask.
            var events = await services.GetRequiredService<IRevocationFeed>().ReadSinceAsync(from, ct);
            return TypedResults.Ok(RevocationsResponse.From(events.Where(e => e.PublishedAt >= from)));
        });

    /// <summary>
    /// HTTP Basic client authentication (RFC 6749 2.3.1); null when the caller may go on. Without
    /// <paramref name="required"/>, a request with no Authorization header goes on as a public client.
    /// </summary>
    private static async Task<IResult?> AuthenticateClientAsync(HttpContext context, IServiceProvider services, bool required, CancellationToken ct)
    {
        var headers = context.Request.Headers.Authorization;
        if (headers.Count == 0 && !required)
        {
            return null;
        }

        var client = headers.Count == 1 && ClientCredentials.TryParseBasic(headers[0], out var id, out var secret)
            ? await services.GetRequiredService<ClientAuthenticator>().AuthenticateAsync(id, secret, ct)
            : null;
        return client is null ? InvalidClient(context) : null;
    }

    /// <summary>RFC 6749 5.2 invalid_client: 401 with the Basic challenge; never says whether the id exists.</summary>
    private static IResult InvalidClient(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = ClientChallenge;
        return TypedResults.Json(
            new OAuthErrorResponse("invalid_client", "Client authentication failed: send the client id and secret with HTTP Basic."),
            statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>The form body of revocation and introspection: <c>token</c> and an optional <c>token_type_hint</c>.</summary>
    private sealed record TokenInput(string? Token, string? Hint, IResult? Error)
    {
        public static async Task<TokenInput> ReadAsync(HttpRequest request, CancellationToken ct)
        {
            var body = await RequestBody.ReadAsync(request, ct);
            if (body.Error is not null)
            {
                return new TokenInput(null, null, body.Error);
            }

            if (body.Kind != RequestBody.Kind.Form)
            {
                return new TokenInput(null, null, OAuthError("invalid_request", "Send an application/x-www-form-urlencoded body: token=..."));
            }

            Dictionary<string, StringValues> form;
            try
            {
                form = await body.ReadFormAsync();
            }
            catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or DecoderFallbackException)
            {
                return new TokenInput(null, null, OAuthError("invalid_request", "The form body is malformed; send token=..."));
            }

            if (Repeated(form, "token", "token_type_hint") is { } repeated)
            {
                return new TokenInput(null, null, OAuthError("invalid_request", $"The field '{repeated}' is given more than once; give it once."));
            }

            var token = Single(form, "token");
            return string.IsNullOrEmpty(token)
                ? new TokenInput(null, null, OAuthError("invalid_request", "token is required."))
                : new TokenInput(token, Single(form, "token_type_hint"), null);
        }
    }
}
