using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Tokens;

/// <summary>
/// Validates a presented access token: algorithm (the one of its key version), type, key, issuer, audience
/// and lifetime are pinned;
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

    // Built once per key ring: the ring object changes only when the keys do.
    private CachedParameters? _parameters;

    public async Task<AccessTokenValidation> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var signed = await ValidateSignedTokenAsync(token, cancellationToken);
        if (!signed.IsValid)
        {
            return signed;
        }

        var refusal = await revocation.FindRefusalAsync(signed.Claims!, cancellationToken);
        return refusal is null ? signed : AccessTokenValidation.Invalid(refusal == RevocationReplica.TokenRevoked ? "revoked" : "session_ended", refusal);
    }

    /// <summary>Signature, header, lifetime and claims only; no revocation state (logout uses this).</summary>
    public async Task<AccessTokenValidation> ValidateSignedTokenAsync(string token, CancellationToken cancellationToken)
    {
        // Duplicate members are refused, not resolved last-wins: another parser might pick the first.
        if (string.IsNullOrEmpty(token) || token.Length > AccessTokenShape.MaxLength || JwsMembers.HasDuplicates(token))
        {
            return AccessTokenValidation.Invalid("malformed", "The token is malformed.");
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
            var (reason, error) = Describe(result.Exception is SecurityTokenInvalidSignatureException && HasForeignAlgorithm(token, ring)
                ? new SecurityTokenInvalidAlgorithmException()
                : result.Exception);
            return AccessTokenValidation.Invalid(reason, error);
        }

        // We issue no critical header parameters, so any is one we do not understand (RFC 7515 4.1.11).
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            return AccessTokenValidation.Invalid("malformed", "The token has a critical header this service does not understand.");
        }

        if (AccessTokenClaims.TryRead(jwt) is not { } claims)
        {
            return AccessTokenValidation.Invalid("malformed", "The token lacks a required claim.");
        }

        // No token of ours lives longer than the configured lifetime; a replica keeps events exactly that long.
        return claims.HasLifetimeWithin(options.Value.AccessTokenLifetime)
            ? AccessTokenValidation.Valid(claims)
            : AccessTokenValidation.Invalid("lifetime", "The token's lifetime is not one this service issues.");
    }

    private TokenValidationParameters Parameters(SigningKeyRing ring)
    {
        if (_parameters is { } cached && ReferenceEquals(cached.Ring, ring))
        {
            return cached.Parameters;
        }

        var parameters = BuildParameters(ring);
        _parameters = new CachedParameters(ring, parameters);
        return parameters;
    }

    private TokenValidationParameters BuildParameters(SigningKeyRing ring)
    {
        var settings = options.Value;
        var parameters = AccessTokenShape.PinnedParameters(settings.Issuer, settings.Audience, settings.ClockSkew);
        // Pinned per key: a token may use only the algorithm of its kid's version (no HS256 token
        // under an ES256 kid, whatever secret it was made with).
        parameters.ValidAlgorithms = ring.Algorithms;
        parameters.AlgorithmValidator = (algorithm, key, _, _) => IsPinnedAlgorithm(ring, algorithm, key);
        parameters.IssuerSigningKeys = ring.ValidationKeys;
        parameters.LifetimeValidator = ValidateLifetime;
        return parameters;
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

    private static bool IsPinnedAlgorithm(SigningKeyRing ring, string algorithm, SecurityKey key) =>
        ring.AlgorithmOf(key.KeyId) is { } pinned
        && string.Equals(algorithm, pinned, StringComparison.Ordinal)
        && string.Equals(SigningKeyMaterial.AlgorithmOf(key), pinned, StringComparison.Ordinal);

    /// <summary>The header names another algorithm than the one of its kid's version (or of every version, for an unknown kid).</summary>
    private static bool HasForeignAlgorithm(string token, SigningKeyRing ring)
    {
        try
        {
            var jwt = new JsonWebToken(token);
            return ring.AlgorithmOf(jwt.Kid) is { } pinned ? jwt.Alg != pinned : !ring.Algorithms.Contains(jwt.Alg);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// RFC 6750 error_description text: says what kind of problem, never echoes token content or the library's
    /// message. Anything that is not a known refusal (IdentityModel throws ArgumentException for text that is
    /// not a JWT at all) is malformed. The AspNetCore handler describes its refusals with it too.
    /// </summary>
    internal static (string Reason, string Error) Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => ("expired", "The token has expired."),
        SecurityTokenNotYetValidException => ("not_yet_valid", "The token is not valid yet."),
        SecurityTokenInvalidIssuerException => ("wrong_issuer", "The token has the wrong issuer."),
        SecurityTokenInvalidAudienceException => ("wrong_audience", "The token has the wrong audience."),
        SecurityTokenInvalidAlgorithmException => ("wrong_algorithm", "The token is signed with an algorithm that is not accepted."),
        SecurityTokenInvalidTypeException => ("wrong_type", "The token has the wrong type."),
        SecurityTokenSignatureKeyNotFoundException => ("unknown_key", "The token is signed with an unknown or retired key."),
        SecurityTokenInvalidSignatureException => ("bad_signature", "The token signature is invalid."),
        SecurityTokenNoExpirationException => ("malformed", "The token has no expiry."),
        _ => ("malformed", "The token is malformed."),
    };

    private sealed record CachedParameters(SigningKeyRing Ring, TokenValidationParameters Parameters);
}
