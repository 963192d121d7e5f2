using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ServerlessAuth.Audit;
using ServerlessAuth.Http.Contracts;
using ServerlessAuth.Lockout;
using ServerlessAuth.Logout;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.Telemetry;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth.Http;

/// <summary>
/// The endpoints, written once on ASP.NET Core abstractions and served by both hosts (the standalone
/// host maps them in <see cref="AuthApi"/>; each Azure Function is a one-line call to one of them).
/// Each checks its method itself so both hosts answer 405 alike, validates the request, calls the
/// core, and turns the outcome into a result.
/// </summary>
public static partial class AuthEndpoints
{
    public static Task<IResult> LoginAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Post, async (services, ct) =>
        {
            var metrics = services.GetRequiredService<AuthMetrics>();
            var audit = services.GetRequiredService<AuditTrail>();
            var actor = Actor(context);
            if (services.GetRequiredService<LoginRateLimiter>().TryAcquire(context) is { } wait)
            {
                metrics.Login(LoginOutcome.Throttled);
                await audit.RecordAsync(AuditKind.Throttled, actor, null, "refused", null, ct);
                return context.Request.HasFormContentType
                    ? BackToSignIn(context, "throttled", null, wait)
                    : Problems.TooManyAttempts(context, wait);
            }

            // ASP.NET Core Identity's convention: ?useCookies=false asks for tokens in the body instead of a cookie.
            if (!TryReadUseCookies(context.Request, out var useCookies))
            {
                return Problems.BadRequest("useCookies must be true or false.");
            }

            var input = await LoginInput.ReadAsync(context.Request, ct);
            if (input.Error is not null)
            {
                return input.Error;
            }

            var lockout = services.GetRequiredService<AccountLockout>();
            var (locked, hasFailures) = await lockout.CheckAsync(input.NormalizedUsername!, ct);
            if (locked is { } remaining)
            {
                metrics.Login(LoginOutcome.Locked);
                await audit.RecordAsync(AuditKind.LockedOut, actor, await UserIdOfAsync(services, input.NormalizedUsername!, ct), "refused", null, ct);
                return input.IsForm
                    ? BackToSignIn(context, "locked", input.ReturnUrl, remaining)
                    : Problems.TooManyAttempts(context, remaining);
            }

            var check = await services.GetRequiredService<PasswordAuthenticator>().CheckAsync(input.NormalizedUsername!, input.Password!, ct);
            if (check.User is not { } user)
            {
                await lockout.RecordFailureAsync(input.NormalizedUsername!, ct);
                metrics.Login(LoginOutcome.BadCredentials);
                await audit.RecordAsync(AuditKind.LoginFailed, actor, check.AccountId, "refused", "bad_credentials", ct);
                return input.IsForm
                    ? BackToSignIn(context, "invalid_credentials", input.ReturnUrl)
                    : Problems.InvalidCredentials(context);
            }

            if (hasFailures)
            {
                await lockout.ResetAsync(input.NormalizedUsername!, ct);
            }

            var sessions = services.GetRequiredService<SessionService>();
            var kind = useCookies ? SessionKind.Cookie : SessionKind.RefreshToken;
            var started = await sessions.StartAsync(user, context.Request.Headers.UserAgent.ToString(), kind, ct);
            try
            {
                // Fail closed: no audit record, no session handed out.
                await audit.RecordAsync(AuditKind.LoginSucceeded, actor, user.Id, "ok", $"kind={SessionKindNames.Of(kind)} session={started.Session.Id}", ct);
            }
            catch (StorageUnavailableException)
            {
                await ForgetUnusedSessionAsync(sessions, started.Session);
                throw;
            }

            metrics.Login(LoginOutcome.Ok);
            if (!useCookies)
            {
                return await IssueAsync(services, new ActiveSession(started.Session, user), started.Cookie, ct);
            }

            SessionCookie.Append(context.Response, started.Cookie, started.Session.ExpiresAt);
            return input.IsForm
                ? SeeOther(context, input.ReturnUrl)
                : TypedResults.Ok(new LoginResponse(user.Id, user.Username, started.Session.ExpiresAt));
        });

    private static bool TryReadUseCookies(HttpRequest request, out bool useCookies)
    {
        var values = request.Query["useCookies"];
        useCookies = true;
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || !bool.TryParse(values[0], out var parsed))
        {
            return false;
        }

        useCookies = parsed;
        return true;
    }

    /// <summary>A session whose credential never left the service (its audit record could not be written): removed if storage lets us.</summary>
    private static async Task ForgetUnusedSessionAsync(SessionService sessions, Session session)
    {
        try
        {
            await sessions.EndAsync(session.UserId, session.Id, CancellationToken.None);
        }
        catch (StorageUnavailableException)
        {
            // Nobody holds its secret; the purge removes it when it expires.
        }
    }

    private static async Task<string?> UserIdOfAsync(IServiceProvider services, string normalizedUsername, CancellationToken ct) =>
        (await services.GetRequiredService<IUserStore>().FindByNormalizedNameAsync(normalizedUsername, ct))?.Id;

    /// <summary>The access token of a session; with a refresh token, the RFC 6749 5.1 body carries it too.</summary>
    private static async Task<IResult> IssueAsync(IServiceProvider services, ActiveSession active, SessionCookieValue? refreshToken, CancellationToken ct)
    {
        var issued = await services.GetRequiredService<AccessTokenIssuer>().IssueAsync(active.User, active.Session, ct);
        services.GetRequiredService<AuthMetrics>().TokenIssued();
        // Shorter than the configured lifetime when the session ends sooner.
        var expiresIn = (long)(issued.Claims.ExpiresAt - issued.Claims.IssuedAt).TotalSeconds;
        return TypedResults.Ok(new TokenResponse(issued.Token, "Bearer", expiresIn, refreshToken?.ToString()));
    }

    public static Task<IResult> TokenAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Post, async (services, ct) =>
        {
            var grant = await GrantInput.ReadAsync(context.Request, ct);
            if (grant.Error is not null)
            {
                return grant.Error;
            }

            if (grant.GrantType is not null)
            {
                return await RefreshGrantAsync(context, services, grant, ct);
            }

            var cookie = SessionCookie.Read(context.Request);
            var active = cookie is null ? null : await services.GetRequiredService<SessionService>().ResolveAsync(cookie, ct);
            if (active is null)
            {
                SessionCookie.Clear(context.Response);
                services.GetRequiredService<AuthMetrics>().TokenRefused("no_session");
                return Problems.NoSession(context);
            }

            return await IssueAsync(services, active, null, ct);
        });

    /// <summary>RFC 6749 6 with rotation: a new access token and a new refresh token; the presented one is spent.</summary>
    private static async Task<IResult> RefreshGrantAsync(HttpContext context, IServiceProvider services, GrantInput grant, CancellationToken ct)
    {
        if (grant.GrantType != "refresh_token")
        {
            return OAuthError("unsupported_grant_type", "Only grant_type=refresh_token is supported.");
        }

        if (string.IsNullOrEmpty(grant.RefreshToken))
        {
            return OAuthError("invalid_request", "refresh_token is required.");
        }

        var metrics = services.GetRequiredService<AuthMetrics>();
        var outcome = SessionCookieValue.TryParse(grant.RefreshToken, out var presented)
            ? await services.GetRequiredService<SessionService>().RefreshAsync(presented, ct)
            : new RefreshOutcome(RefreshResult.Invalid);
        switch (outcome.Result)
        {
            case RefreshResult.Rotated or RefreshResult.RetriedWithinGrace:
                return await IssueAsync(services, outcome.Active!, outcome.RefreshToken, ct);
            case RefreshResult.ReuseDetected:
                metrics.TokenRefused("refresh_reuse");
                await services.GetRequiredService<AuditTrail>().RecordAsync(
                    AuditKind.RefreshReuseDetected, Actor(context), outcome.UserId, "session_ended", $"session={presented!.SessionId}", ct);
                return OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.");
            default:
                metrics.TokenRefused("invalid_grant");
                return OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked.");
        }
    }

    /// <summary>RFC 6749 5.2: 400 with <c>error</c> and <c>error_description</c>.</summary>
    private static IResult OAuthError(string error, string description) =>
        TypedResults.Json(new OAuthErrorResponse(error, description), statusCode: StatusCodes.Status400BadRequest);

    public static Task<IResult> LogoutAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Post, async (services, ct) =>
        {
            var input = await LogoutInput.ReadAsync(context.Request, ct);
            if (input.Error is not null)
            {
                return input.Error;
            }

            var outcome = await services.GetRequiredService<LogoutService>()
                .LogoutAsync(input.Scope, SessionCookie.Read(context.Request), input.RefreshToken, BearerToken.Read(context.Request), ct);
            if (input.Scope != LogoutScope.Others)
            {
                // "others" keeps this session, so its cookie must stay too.
                SessionCookie.Clear(context.Response);
            }

            var scope = input.Scope.ToString().ToLowerInvariant();
            services.GetRequiredService<AuthMetrics>().Logout(scope);
            await services.GetRequiredService<AuditTrail>().RecordAsync(
                AuditKind.Logout, Actor(context), outcome.UserId, "ok", $"scope={scope} sessions_ended={outcome.SessionsEnded}", ct);

            return input.IsForm
                ? SeeOther(context, AuthPages.AfterLogout(input.Scope))
                : TypedResults.Ok(new LogoutResponse(
                    scope, outcome.SessionsEnded, outcome.RevokedTokenId is not null, outcome.AllTokensRevoked));
        });

    public static Task<IResult> MeAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var (claims, refusal) = await AuthenticateAsync(context, services, ct);
            return claims is null
                ? refusal!
                : TypedResults.Ok(new MeResponse(claims.Subject, claims.Name, claims.SessionId, claims.TokenId, claims.ExpiresAt.ToUnixTimeSeconds()));
        });

    /// <summary>The claims of the request's valid bearer token, or the 401 to answer.</summary>
    private static async Task<(AccessTokenClaims? Claims, IResult? Refusal)> AuthenticateAsync(HttpContext context, IServiceProvider services, CancellationToken ct)
    {
        var token = BearerToken.Read(context.Request);
        if (token is null)
        {
            services.GetRequiredService<AuthMetrics>().TokenRefused("missing_token");
            return (null, Problems.MissingToken(context));
        }

        var validation = await services.GetRequiredService<AccessTokenValidator>().ValidateAsync(token, ct);
        if (validation.Claims is not { } claims)
        {
            services.GetRequiredService<AuthMetrics>().TokenRefused(validation.Reason ?? "invalid_token");
            return (null, Problems.InvalidToken(context, validation.Error!));
        }

        return (claims, null);
    }

    private static AuditActor Actor(HttpContext context) => new(
        ClientAddress.Get(context, context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.ClientAddressHeader),
        context.Request.Headers.UserAgent.ToString());

    public static Task<IResult> HealthAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync(ct);
            var checks = report.Entries.ToDictionary(e => e.Key, e => Describe(e.Value));
            var healthy = report.Status == HealthStatus.Healthy;
            var body = new HealthResponse(healthy ? "healthy" : "unhealthy", checks);
            return healthy ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

    private static string Describe(HealthReportEntry entry) => entry.Exception is OperationCanceledException
        ? $"no answer within {entry.Duration.TotalSeconds:0.#} s"
        : entry.Description ?? entry.Status.ToString();

    /// <summary>
    /// The shared frame: security headers, CORS, method check, cross-site refusal for POSTs, and
    /// fail-closed handling: storage or key trouble becomes 503 with Retry-After, never a 500 and
    /// never an accepted credential; a saturated password-hashing gate is a 503 of its own (<c>busy</c>).
    /// </summary>
    private static async Task<IResult> HandleAsync(HttpContext context, string method, Func<IServiceProvider, CancellationToken, Task<IResult>> handle)
    {
        var services = context.RequestServices;
        var allowedOrigins = services.GetRequiredService<IOptions<AuthOptions>>().Value.AllowedOrigins;

        // Every response here may carry or reveal a credential.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var corsAllowed = CrossSiteRequests.ApplyCors(context, allowedOrigins);

        if (HttpMethods.IsOptions(context.Request.Method) && corsAllowed)
        {
            return CrossSiteRequests.Preflight(context, method);
        }

        if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            return Problems.MethodNotAllowed(context, method);
        }

        if (HttpMethods.IsPost(method) && CrossSiteRequests.IsForeign(context, allowedOrigins))
        {
            return Problems.CrossSiteRequest();
        }

        try
        {
            return await handle(services, context.RequestAborted);
        }
        catch (PasswordHashingBusyException busy)
        {
            services.GetRequiredService<AuthMetrics>().Unavailable("busy");
            return Problems.Busy(context, busy.RetryAfter);
        }
        catch (Exception ex) when (ex is StorageUnavailableException or SigningKeysUnavailableException)
        {
            LogUnavailable(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AuthEndpoints)), context.Request.Path, ex.Message);
            services.GetRequiredService<AuthMetrics>().Unavailable(ex is StorageUnavailableException ? "storage" : "signing_keys");
            return Problems.Unavailable(context, ex is StorageUnavailableException
                ? "Storage is unavailable; nothing was accepted. Retry shortly."
                : "Signing keys are unavailable; nothing was accepted. Retry shortly.");
        }
    }

    private static IResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path} answered 503: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string path, string reason);

    private sealed record LoginInput(string? NormalizedUsername, string? Password, bool IsForm, string ReturnUrl, IResult? Error)
    {
        private static LoginInput Fail(IResult error) => new(null, null, false, ReturnUrls.Default, error);

        public static async Task<LoginInput> ReadAsync(HttpRequest request, CancellationToken ct)
        {
            var body = await RequestBody.ReadAsync(request, ct);
            if (body.Error is not null)
            {
                return Fail(body.Error);
            }

            string? username, password, returnUrl = null;
            switch (body.Kind)
            {
                case RequestBody.Kind.Json:
                    LoginRequest? json;
                    try
                    {
                        json = body.ReadJson<LoginRequest>();
                    }
                    catch (JsonException)
                    {
                        return Fail(Problems.BadRequest("The body is not valid JSON of the form {\"username\":\"...\",\"password\":\"...\"}."));
                    }

                    (username, password) = (json?.Username, json?.Password);
                    break;
                case RequestBody.Kind.Form:
                    Dictionary<string, StringValues> form;
                    try
                    {
                        form = await body.ReadFormAsync();
                    }
                    catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or DecoderFallbackException)
                    {
                        return Fail(Problems.BadRequest("The form body is malformed."));
                    }

                    if (Repeated(form, "username", "password", "returnUrl") is { } repeated)
                    {
                        return Fail(Problems.RepeatedField(repeated));
                    }

                    (username, password, returnUrl) = (Single(form, "username"), Single(form, "password"), Single(form, "returnUrl"));
                    if (returnUrl is not null && !ReturnUrls.IsLocal(returnUrl))
                    {
                        return Fail(Problems.BadRequest("returnUrl must be a local path such as /account."));
                    }

                    break;
                default:
                    return Fail(Problems.UnsupportedMediaType("application/json or application/x-www-form-urlencoded"));
            }

            if (!Usernames.TryNormalize(username, out var normalized, out var nameError))
            {
                return Fail(Problems.BadRequest(nameError));
            }

            if (!Passwords.IsAcceptableInput(password, out var passwordError))
            {
                return Fail(Problems.BadRequest(passwordError));
            }

            return new LoginInput(normalized, password, body.Kind == RequestBody.Kind.Form, returnUrl ?? ReturnUrls.Default, null);
        }
    }

    private sealed record LogoutInput(LogoutScope Scope, bool IsForm, IResult? Error, SessionCookieValue? RefreshToken = null)
    {
        public static async Task<LogoutInput> ReadAsync(HttpRequest request, CancellationToken ct)
        {
            var body = await RequestBody.ReadAsync(request, ct);
            var isForm = body.Kind == RequestBody.Kind.Form;
            if (body.Error is not null)
            {
                return new LogoutInput(LogoutScope.Local, isForm, body.Error);
            }

            if (request.Query["scope"].Count > 1)
            {
                return new LogoutInput(LogoutScope.Local, isForm, Problems.RepeatedField("scope"));
            }

            var queryText = request.Query["scope"].ToString();
            string? bodyText = null;
            string? refreshText = null;
            try
            {
                if (body.Kind == RequestBody.Kind.Json && body.Bytes.Length > 0)
                {
                    var json = body.ReadJson<LogoutRequest>();
                    (bodyText, refreshText) = (json?.Scope, json?.RefreshToken);
                }
                else if (isForm)
                {
                    var form = await body.ReadFormAsync();
                    if (Repeated(form, "scope", "refresh_token") is { } repeated)
                    {
                        return new LogoutInput(LogoutScope.Local, isForm, Problems.RepeatedField(repeated));
                    }

                    (bodyText, refreshText) = (Single(form, "scope"), Single(form, "refresh_token"));
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or DecoderFallbackException)
            {
                return new LogoutInput(LogoutScope.Local, isForm, Problems.BadRequest("The body is malformed; send {\"scope\":\"local|others|global\",\"refresh_token\":\"...\"} (both optional) or nothing."));
            }

            // Never choose between two different scopes: a caller must not believe a global logout happened when it did not.
            if (!string.IsNullOrEmpty(queryText) && !string.IsNullOrEmpty(bodyText) && !string.Equals(queryText, bodyText, StringComparison.Ordinal))
            {
                return new LogoutInput(LogoutScope.Local, isForm, Problems.BadRequest("The query and the body give different scopes; give the scope once, or the same in both."));
            }

            var scopeText = string.IsNullOrEmpty(bodyText) ? queryText : bodyText;
            LogoutScope? scope = scopeText switch
            {
                null or "" or "local" => LogoutScope.Local,
                "others" => LogoutScope.Others,
                "global" => LogoutScope.Global,
                _ => null,
            };

            // Like a stale cookie, a malformed refresh token ends nothing and the logout still succeeds.
            var refreshToken = SessionCookieValue.TryParse(refreshText, out var parsed) ? parsed : null;
            return scope is { } s
                ? new LogoutInput(s, isForm, null, refreshToken)
                : new LogoutInput(LogoutScope.Local, isForm, Problems.BadRequest("scope must be local, others or global."));
        }
    }

    /// <summary>The token endpoint's body: a grant (RFC 6749 6, form or JSON) or nothing (the cookie flow).</summary>
    private sealed record GrantInput(string? GrantType, string? RefreshToken, IResult? Error)
    {
        public static async Task<GrantInput> ReadAsync(HttpRequest request, CancellationToken ct)
        {
            var body = await RequestBody.ReadAsync(request, ct);
            if (body.Error is not null)
            {
                return new GrantInput(null, null, body.Error);
            }

            try
            {
                switch (body.Kind)
                {
                    case RequestBody.Kind.Json when body.Bytes.Length > 0:
                        var json = body.ReadJson<TokenRequest>();
                        return new GrantInput(json?.GrantType, json?.RefreshToken, null);
                    case RequestBody.Kind.Form:
                        var form = await body.ReadFormAsync();
                        if (Repeated(form, "grant_type", "refresh_token") is { } repeated)
                        {
                            // RFC 6749 3.2: parameters must not be repeated.
                            return new GrantInput(null, null, OAuthError("invalid_request", $"The field '{repeated}' is given more than once; give it once."));
                        }

                        return new GrantInput(Single(form, "grant_type"), Single(form, "refresh_token"), null);
                    default:
                        return new GrantInput(null, null, null);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or InvalidOperationException or DecoderFallbackException)
            {
                return new GrantInput(null, null, OAuthError("invalid_request", "The body is malformed; send grant_type=refresh_token&refresh_token=..."));
            }
        }
    }

    /// <summary>A field given once, or null; callers refuse repeated fields first (see <see cref="Repeated"/>).</summary>
    private static string? Single(Dictionary<string, StringValues> form, string key) =>
        form.TryGetValue(key, out var values) && values.Count == 1 ? values[0] : null;

    /// <summary>The first of the keys given more than once, or null.</summary>
    private static string? Repeated(Dictionary<string, StringValues> form, params string[] keys) =>
        keys.FirstOrDefault(key => form.TryGetValue(key, out var values) && values.Count > 1);
}
