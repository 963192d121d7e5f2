using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.SigningKeys;

/// <summary>
/// The one place that says what a secret value must be to sign tokens, and which algorithm it signs with.
/// The value fixes the algorithm: a PKCS#8 PEM P-256 private key is an ES256 key, base64 of at least
/// 32 bytes an HS256 key. Nothing else is a key; in particular a PEM is never used as an HMAC secret.
/// </summary>
public static class SigningKeyMaterial
{
    public const string Es256 = SecurityAlgorithms.EcdsaSha256;
    public const string Hs256 = SecurityAlgorithms.HmacSha256;

    /// <summary>Key Vault content types of the versions this service creates.</summary>
    public const string Es256ContentType = "application/vnd.serverlessauth.es256-key+pem";
    public const string Hs256ContentType = "application/vnd.serverlessauth.hs256-key+base64";

    /// <summary>HS256 wants a key at least as long as its hash (RFC 7518 3.2).</summary>
    public const int MinBytes = 32;

    private const string Pkcs8Label = "PRIVATE KEY";
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public static IReadOnlyList<string> Algorithms { get; } = [Es256, Hs256];

    /// <summary>A new random value for a version of <paramref name="algorithm"/> (ES256 or HS256).</summary>
    public static string Generate(string algorithm)
    {
        switch (algorithm)
        {
            case Es256:
                using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    return key.ExportPkcs8PrivateKeyPem();
                }

            case Hs256:
                return Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinBytes));
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Signing keys are ES256 or HS256.");
        }
    }

    public static string ContentTypeOf(string algorithm) => algorithm switch
    {
        Es256 => Es256ContentType,
        Hs256 => Hs256ContentType,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Signing keys are ES256 or HS256."),
    };

    /// <summary>What a listing can tell of a version's algorithm without parsing its value (null: not known).</summary>
    public static string? AlgorithmOfContentType(string? contentType) => contentType switch
    {
        Es256ContentType => Es256,
        Hs256ContentType => Hs256,
        _ => null,
    };

    /// <summary>The algorithm a value's form names (a PEM: ES256, else HS256); <see cref="TryParse"/> decides whether it is usable.</summary>
    public static string AlgorithmOfValue(string value) =>
        value.AsSpan().TrimStart().StartsWith("-----", StringComparison.Ordinal) ? Es256 : Hs256;

    /// <summary>The algorithm a parsed key signs and validates with; the only one its tokens may name.</summary>
    public static string AlgorithmOf(SecurityKey key) => key switch
    {
        ECDsaSecurityKey => Es256,
        SymmetricSecurityKey => Hs256,
        _ => throw new ArgumentException($"No signing algorithm for a {key.GetType().Name}.", nameof(key)),
    };

    /// <summary>Parses one version's value into a key whose <c>KeyId</c> is <paramref name="keyId"/>.</summary>
    /// <param name="error">Says what is wrong with the value, never quoting it.</param>
    public static bool TryParse(string keyId, string? value, [NotNullWhen(true)] out SecurityKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "the value is empty";
            return false;
        }

        var text = value.Trim();
        if (text.StartsWith("-----", StringComparison.Ordinal))
        {
            if (!TryParseEs256(text, out var ecdsa, out error))
            {
                return false;
            }

            key = new ECDsaSecurityKey(ecdsa) { KeyId = keyId };
            return true;
        }

        if (!TryDecodeHs256(text, out var bytes, out error))
        {
            return false;
        }

        key = new SymmetricSecurityKey(bytes) { KeyId = keyId };
        return true;
    }

    private static bool TryParseEs256(string pem, [NotNullWhen(true)] out ECDsa? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (!PemEncoding.TryFind(pem, out var fields) || fields.Location.End.Value != pem.Length)
        {
            error = "the value starts like a PEM but is not exactly one PEM block";
            return false;
        }

        var label = pem[fields.Label];
        if (label != Pkcs8Label)
        {
            error = $"the PEM is a '{label}'; an unencrypted PKCS#8 'PRIVATE KEY' of a P-256 key is required (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)";
            return false;
        }

        var der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out var written) || written != der.Length)
        {
            error = "the PEM's content is not base64";
            return false;
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(der, out var read);
            if (read != der.Length)
            {
                throw new CryptographicException("trailing data");
            }

            var curve = ecdsa.ExportParameters(includePrivateParameters: false).Curve;
            if (ecdsa.KeySize != 256 || !curve.IsNamed || curve.Oid.Value != P256Oid)
            {
                error = $"the key is an EC key on another curve ({curve.Oid.FriendlyName ?? curve.Oid.Value ?? "explicit parameters"}); ES256 needs P-256";
                ecdsa.Dispose();
                return false;
            }
        }
        catch (CryptographicException)
        {
            error = "the PKCS#8 private key is not an EC P-256 key (or is malformed)";
            ecdsa.Dispose();
            return false;
        }

        key = ecdsa;
        error = null;
        return true;
    }

    private static bool TryDecodeHs256(string text, [NotNullWhen(true)] out byte[]? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            error = "the value is neither a PKCS#8 PEM P-256 private key (ES256) nor base64 (HS256)";
            return false;
        }

        if (key.Length < MinBytes)
        {
            error = $"the value decodes to {key.Length} bytes; an HS256 key needs at least {MinBytes}";
            key = null;
            return false;
        }

        error = null;
        return true;
    }
}
