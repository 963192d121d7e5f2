using System.Security.Cryptography;
using System.Text;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>
/// One signing key version as the host holds it: its kid, its algorithm, and <see cref="Key"/>: the HMAC secret of
/// an HS256 version, or the public key (SubjectPublicKeyInfo DER) of an ES256 one, which <see cref="Ec"/> holds.
/// </summary>
public sealed record SigningKey(string KeyId, string Algorithm, byte[] Key, ECDsa? Ec = null);

/// <summary>
/// Builds compact JWS by hand from raw header and payload JSON (so duplicate members, wrong types and
/// odd headers can be sent exactly as written), signed with a chosen algorithm and key.
/// </summary>
public static class ForgedJwt
{
    public static string Hmac(string headerJson, string payloadJson, byte[] key, HashAlgorithmName hash)
    {
        var signingInput = SigningInput(headerJson, payloadJson);
        var bytes = Encoding.ASCII.GetBytes(signingInput);
        var signature = hash == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, bytes)
            : hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, bytes)
            : throw new ArgumentOutOfRangeException(nameof(hash), hash, "HS256 or HS512");
        return $"{signingInput}.{Jwt.ToBase64Url(signature)}";
    }

    /// <summary>Signed as the version signs: ES256 (r || s, as JWS wants) or HS256.</summary>
    public static string Sign(string headerJson, string payloadJson, SigningKey key)
    {
        if (key.Ec is null)
        {
            return Hmac(headerJson, payloadJson, key.Key, HashAlgorithmName.SHA256);
        }

        var signingInput = SigningInput(headerJson, payloadJson);
        var signature = key.Ec.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Jwt.ToBase64Url(signature)}";
    }

    public static string Rsa(string headerJson, string payloadJson, RSA key)
    {
        var signingInput = SigningInput(headerJson, payloadJson);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Jwt.ToBase64Url(signature)}";
    }

    public static string Unsigned(string headerJson, string payloadJson) => $"{SigningInput(headerJson, payloadJson)}.";

    /// <summary>The newest usable version from the host's own key source (the development table), with its value.</summary>
    public static async Task<SigningKey> CurrentKeyAsync(AuthHost host)
    {
        var versions = await host.Service<ISigningKeySource>().LoadAsync(new Dictionary<string, string>(), CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var current = versions.Where(v => v.IsUsableAt(now) && v.Value is not null).MaxBy(v => v.CreatedOn)
            ?? throw new InvalidOperationException("The host has no usable signing key version.");
        if (SigningKeyMaterial.AlgorithmOfValue(current.Value!) == SigningKeyMaterial.Hs256)
        {
            return new SigningKey(current.Id, SigningKeyMaterial.Hs256, Convert.FromBase64String(current.Value!));
        }

        var ec = ECDsa.Create();
        ec.ImportFromPem(current.Value);
        return new SigningKey(current.Id, SigningKeyMaterial.Es256, ec.ExportSubjectPublicKeyInfo(), ec);
    }

    private static string SigningInput(string headerJson, string payloadJson) =>
        $"{Jwt.ToBase64Url(headerJson)}.{Jwt.ToBase64Url(payloadJson)}";
}
