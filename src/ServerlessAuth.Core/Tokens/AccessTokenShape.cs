using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.Tokens;

/// <summary>
/// The one place that fixes what an access token looks like (RFC 9068 style). Its algorithm is the one
/// its key version's value fixes (<see cref="SigningKeys.SigningKeyMaterial"/>): ES256, or HS256.
/// </summary>
public static class AccessTokenShape
{
    public const string Type = "at+jwt";
    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    public const int MaxLength = 4096;

    /// <summary>128 random bits, base64url.</summary>
    public const int TokenIdLength = 22;

    /// <summary>
    /// The checks every validator of our tokens pins: type, issuer and audience compared exactly, signed,
    /// with an expiry, and only the key its <c>kid</c> names. Each caller adds its keys and algorithm rule.
    /// </summary>
    public static TokenValidationParameters PinnedParameters(string issuer, string audience, TimeSpan clockSkew) => new()
    {
        ValidTypes = [Type],
        ValidIssuer = issuer,
        ValidAudience = audience,
        // Exact, ordinal comparisons: the library's defaults forgive a trailing slash.
        IssuerValidator = (presented, _, _) => string.Equals(presented, issuer, StringComparison.Ordinal)
            ? presented
            : throw new SecurityTokenInvalidIssuerException("The token has the wrong issuer.") { InvalidIssuer = presented },
        AudienceValidator = (audiences, _, _) => audiences.Contains(audience, StringComparer.Ordinal),
        IgnoreTrailingSlashWhenValidatingAudience = false,
        RequireAudience = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        TryAllIssuerSigningKeys = false,
        ClockSkew = clockSkew,
    };

    public static class Claims
    {
        public const string Subject = "sub";
        public const string Name = "name";
        public const string SessionId = "sid";
        public const string TokenId = "jti";
        public const string IssuedAt = "iat";

        /// <summary>When the session began (RFC 9068 2.2.1): lets a replica refuse every token of sessions begun before a cutoff.</summary>
        public const string AuthTime = "auth_time";
    }
}
