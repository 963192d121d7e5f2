using System.Buffers.Text;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.SigningKeys;

/// <summary>
/// The keys in force at one instant: the newest usable version signs, every usable version validates,
/// each only with the algorithm its value fixes (<see cref="SigningKeyMaterial.AlgorithmOf"/>).
/// </summary>
public sealed class SigningKeyRing
{
    private readonly Dictionary<string, string> _algorithms;

    public SigningKeyRing(SecurityKey current, IReadOnlyList<SecurityKey> validationKeys)
    {
        Current = current;
        CurrentAlgorithm = SigningKeyMaterial.AlgorithmOf(current);
        ValidationKeys = validationKeys;
        _algorithms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in validationKeys)
        {
            _algorithms.TryAdd(key.KeyId, SigningKeyMaterial.AlgorithmOf(key));
        }

        Algorithms = [.. _algorithms.Values.Distinct()];
        PublicKeys = [.. validationKeys.OfType<ECDsaSecurityKey>().Select(PublicSigningKey.Of)];
    }

    public SecurityKey Current { get; }

    /// <summary>The algorithm of <see cref="Current"/>: what new tokens are signed with.</summary>
    public string CurrentAlgorithm { get; }

    public IReadOnlyList<SecurityKey> ValidationKeys { get; }

    /// <summary>The distinct algorithms of <see cref="ValidationKeys"/>.</summary>
    public IReadOnlyList<string> Algorithms { get; }

    /// <summary>The public halves of the asymmetric validation keys (the JWKS); symmetric keys never appear here.</summary>
    public IReadOnlyList<PublicSigningKey> PublicKeys { get; }

    /// <summary>The one algorithm a token naming <paramref name="keyId"/> may use; null for an unknown kid.</summary>
    public string? AlgorithmOf(string? keyId) =>
        keyId is not null && _algorithms.TryGetValue(keyId, out var algorithm) ? algorithm : null;
}

/// <summary>An ES256 version's public key as a JWK (RFC 7517/7518 6.2): coordinates only, never <c>d</c>.</summary>
public sealed record PublicSigningKey(string KeyId, string Algorithm, string Curve, string X, string Y)
{
    public static PublicSigningKey Of(ECDsaSecurityKey key)
    {
        var parameters = key.ECDsa.ExportParameters(includePrivateParameters: false);
        return new PublicSigningKey(key.KeyId, SigningKeyMaterial.Es256, "P-256",
            Base64Url.EncodeToString(parameters.Q.X), Base64Url.EncodeToString(parameters.Q.Y));
    }
}

public interface ISigningKeyProvider : ISigningKeyRefresh
{
    /// <exception cref="SigningKeysUnavailableException">No usable version is known.</exception>
    ValueTask<SigningKeyRing> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A token named a <c>kid</c> the ring lacks: re-read the source at once (at most once per cooldown),
    /// so a freshly rotated key is picked up without waiting for the refresh interval.
    /// </summary>
    ValueTask<SigningKeyRing> RefreshForUnknownKeyAsync(CancellationToken cancellationToken);
}
