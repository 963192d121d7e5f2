using System.Buffers.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Tokens;

/// <summary>
/// Validates a presented access token: algorithm, type, key, issuer, audience and lifetime are pinned;
/// then its revocation state is read. A token whose state cannot be read is never accepted: storage
/// and key failures propagate as exceptions that the HTTP layer turns into 503.
/// </summary>
public sealed class AccessTokenValidator(
    ISigningKeyProvider keys,
    TokenRevocationCheck revocation,
    IOptions<AuthOptions> options,
    TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    public async Task<AccessTokenValidation> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var signed = await ValidateSignedTokenAsync(token, cancellationToken);
        if (!signed.IsValid)
        {
            return signed;
        }

        var refusal = await revocation.FindRefusalAsync(signed.Claims!, cancellationToken);
        return refusal is null ? signed : AccessTokenValidation.Invalid(refusal);
    }

    /// <summary>Signature, header, lifetime and claims only; no revocation state (logout uses this).</summary>
    public async Task<AccessTokenValidation> ValidateSignedTokenAsync(string token, CancellationToken cancellationToken)
    {
        // Duplicate members are refused, not resolved last-wins: another parser might pick the first.
        if (string.IsNullOrEmpty(token) || token.Length > AccessTokenShape.MaxLength || HasDuplicateMembers(token))
        {
            return AccessTokenValidation.Invalid("The token is malformed.");
        }

        var ring = await keys.GetAsync(cancellationToken);
        var result = await Handler.ValidateTokenAsync(token, Parameters(ring));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // Maybe a version created since the last refresh: one rate-limited re-read, then decide.
            ring = await keys.RefreshForUnknownKeyAsync(cancellationToken);
            result = await Handler.ValidateTokenAsync(token, Parameters(ring));
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            // The library reports a foreign algorithm as a signature failure; say which it was.
            return AccessTokenValidation.Invalid(result.Exception is SecurityTokenInvalidSignatureException && HasForeignAlgorithm(token)
                ? Describe(new SecurityTokenInvalidAlgorithmException())
                : Describe(result.Exception));
        }

        // We issue no critical header parameters, so any is one we do not understand (RFC 7515 4.1.11).
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return AccessTokenValidation.Invalid("The token has a critical header this service does not understand.");
        }

        return ReadClaims(jwt) is { } claims
            ? AccessTokenValidation.Valid(claims)
            : AccessTokenValidation.Invalid("The token lacks a required claim.");
    }

    private TokenValidationParameters Parameters(SigningKeyRing ring)
    {
        var settings = options.Value;
        return new TokenValidationParameters
        {
            ValidAlgorithms = [AccessTokenShape.Algorithm],
            ValidTypes = [AccessTokenShape.Type],
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKeys = ring.ValidationKeys,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = settings.ClockSkew,
            LifetimeValidator = ValidateLifetime,
        };
    }

    /// <summary>The library's lifetime rule, on the injected clock so tests and instants agree.</summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (notBefore is { } nbf && nbf > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = nbf };
        }

        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    }

    private static AccessTokenClaims? ReadClaims(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.Subject, out var sub) || !SessionCookieValue.IsUserId(sub)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.SessionId, out var sid) || !SessionCookieValue.IsSessionId(sid)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.TokenId, out var jti) || jti.Length != AccessTokenShape.TokenIdLength
            || !jwt.TryGetPayloadValue<long>(AccessTokenShape.Claims.IssuedAt, out var iat)
            || !jwt.TryGetPayloadValue<string>(AccessTokenShape.Claims.Name, out var name))
        {
            return null;
        }

        return new AccessTokenClaims(sub, name, sid, jti, DateTimeOffset.FromUnixTimeSeconds(iat),
            new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), jwt.Kid);
    }

    private static bool HasDuplicateMembers(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return false; // Not a JWS at all; the handler refuses it.
        }

        return HasDuplicateMembers(parts[0]) || HasDuplicateMembers(parts[1]);

        static bool HasDuplicateMembers(string segment)
        {
            byte[] json;
            try
            {
                json = Base64Url.DecodeFromChars(segment);
            }
            catch (FormatException)
            {
                return false; // Malformed base64url; the handler refuses it.
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var reader = new Utf8JsonReader(json);
            try
            {
                while (reader.Read())
                {
                    if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && !names.Add(reader.GetString()!))
                    {
                        return true;
                    }
                }
            }
            catch (JsonException)
            {
                return false; // Not JSON; the handler refuses it.
            }

            return false;
        }
    }

    private static bool HasForeignAlgorithm(string token)
    {
        try
        {
            return new JsonWebToken(token).Alg != AccessTokenShape.Algorithm;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>RFC 6750 error_description text: says what kind of problem, never echoes token content.</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenInvalidIssuerException => "The token has the wrong issuer.",
        SecurityTokenInvalidAudienceException => "The token has the wrong audience.",
        SecurityTokenInvalidAlgorithmException => "The token is signed with an algorithm that is not accepted.",
        SecurityTokenInvalidTypeException => "The token has the wrong type.",
        SecurityTokenSignatureKeyNotFoundException => "The token is signed with an unknown or retired key.",
        SecurityTokenInvalidSignatureException => "The token signature is invalid.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        _ => "The token is malformed.",
    };
}
