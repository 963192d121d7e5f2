using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ServerlessAuth.UnitTests.TestSupport;

/// <summary>
/// A signing key version as a test knows it: its id (the kid), its algorithm, the stored value, and
/// <see cref="Bytes"/>: the HMAC secret of an HS256 key, or the public key (SubjectPublicKeyInfo DER) of an
/// ES256 key, which is what an algorithm-confusion attacker would use as an HMAC secret.
/// </summary>
public sealed record TestKey(string Id, string Algorithm, string Value, byte[] Bytes, ECDsa? Ec = null)
{
    /// <summary>An ES256 key, the default for new versions.</summary>
    public static TestKey Create(string id) => Es256(id);

    public static TestKey Es256(string id)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new TestKey(id, "ES256", ec.ExportPkcs8PrivateKeyPem(), ec.ExportSubjectPublicKeyInfo(), ec);
    }

    public static TestKey Hs256(string id, int length = 32) => Hs256(id, RandomNumberGenerator.GetBytes(length));

    public static TestKey Hs256(string id, byte[] secret) => new(id, "HS256", Convert.ToBase64String(secret), secret);
}

/// <summary>
/// Builds compact JWS tokens by hand (base64url JSON and an HMAC or ECDSA signature), so that tests can produce
/// tokens the issuer never would: other algorithms, missing header fields or claims, wrong values.
/// </summary>
public static class TokenForge
{
    public static JsonObject Header(string? kid, string alg = "ES256", string? typ = "at+jwt")
    {
        var header = new JsonObject { ["alg"] = alg };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        if (typ is not null)
        {
            header["typ"] = typ;
        }

        return header;
    }

    public static string Hs256(JsonObject header, JsonObject payload, byte[] key) =>
        Sign(header, payload, data => HMACSHA256.HashData(key, data));

    public static string Hs512(JsonObject header, JsonObject payload, byte[] key) =>
        Sign(header, payload, data => HMACSHA512.HashData(key, data));

    /// <summary>Signed as the key signs (ES256 or HS256), whatever the header says.</summary>
    public static string Signed(JsonObject header, JsonObject payload, TestKey key) =>
        Sign(header, payload, data => SignatureOf(data, key));

    /// <summary>The JWS signature of <paramref name="data"/> by <paramref name="key"/>: an HMAC, or ECDSA P-256 in the JWS (r || s) form.</summary>
    public static byte[] SignatureOf(byte[] data, TestKey key) => key.Ec is { } ec
        ? ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
        : HMACSHA256.HashData(key.Bytes, data);

    /// <summary>No signature at all: <c>header.payload.</c></summary>
    public static string Unsigned(JsonObject header, JsonObject payload) => $"{Encode(header)}.{Encode(payload)}.";

    public static string Sign(JsonObject header, JsonObject payload, Func<byte[], byte[]> signature)
    {
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        return $"{signingInput}.{Base64Url.EncodeToString(signature(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    public static JsonObject ReadHeader(string token) => Decode(token.Split('.')[0]);

    public static JsonObject ReadPayload(string token) => Decode(token.Split('.')[1]);

    /// <summary>The token with its payload replaced and its original signature kept.</summary>
    public static string ReplacePayload(string token, JsonObject payload)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Encode(payload)}.{parts[2]}";
    }

    public static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    private static JsonObject Decode(string part) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(part))?.AsObject() ?? throw new FormatException("Not a JSON object.");
}
