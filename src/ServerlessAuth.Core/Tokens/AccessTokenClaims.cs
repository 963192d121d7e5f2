using Microsoft.IdentityModel.JsonWebTokens;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Tokens;

/// <summary>The claims of a signature-checked access token that the service acts on.</summary>
public sealed record AccessTokenClaims(
    string Subject,
    string Name,
    string SessionId,
    string TokenId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string KeyId,
    DateTimeOffset AuthTime)
{
    /// <summary>
    /// Whether the token lives no longer than <paramref name="lifetime"/> (what a replica keeps events for)
    /// and its session began no later than it was issued.
    /// </summary>
    public bool HasLifetimeWithin(TimeSpan lifetime) => ExpiresAt - IssuedAt <= lifetime && AuthTime <= IssuedAt;

    /// <summary>The claims of a signature-checked token, in the shapes the issuer gives them; null if any is missing or malformed.</summary>
    public static AccessTokenClaims? TryRead(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.Subject, out var sub) || !SessionCookieValue.IsUserId(sub)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.SessionId, out var sid) || !SessionCookieValue.IsSessionId(sid)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.TokenId, out var jti) || jti.Length != AccessTokenShape.TokenIdLength
            || !jwt.TryGetPayloadValue<long>(AccessTokenShape.Claims.IssuedAt, out var iat)
            || !jwt.TryGetPayloadValue<long>(AccessTokenShape.Claims.AuthTime, out var authTime)
            || !jwt.TryGetPayloadValue<long>("exp", out var exp)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.Name, out var name)
            || !IsInstant(iat) || !IsInstant(authTime) || !IsInstant(exp))
        {
            return null;
        }

        return new AccessTokenClaims(sub, name, sid, jti, DateTimeOffset.FromUnixTimeSeconds(iat),
            DateTimeOffset.FromUnixTimeSeconds(exp), jwt.Kid, DateTimeOffset.FromUnixTimeSeconds(authTime));

        // Within what DateTimeOffset can hold, so no claim value can throw.
        static bool IsInstant(long seconds) => seconds is >= 0 and <= 253_402_300_799;
    }
}

public sealed record IssuedAccessToken(string Token, AccessTokenClaims Claims);

/// <summary>
/// Outcome of validating a presented token: claims, or an RFC 6750 <c>error_description</c> and a
/// short, fixed <see cref="Reason"/> for metrics (never token content).
/// </summary>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, string? Error, string? Reason = null)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Valid(AccessTokenClaims claims) => new(claims, null);

    public static AccessTokenValidation Invalid(string reason, string error) => new(null, error, reason);
}
