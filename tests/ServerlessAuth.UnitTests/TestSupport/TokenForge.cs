using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ServerlessAuth.UnitTests.TestSupport;

/// <summary>A signing key version as a test knows it: its id (the kid) and its raw bytes.</summary>
public sealed record TestKey(string Id, byte[] Bytes)
{
    public string Value => Convert.ToBase64String(Bytes);

    public static TestKey Create(string id) => new(id, RandomNumberGenerator.GetBytes(32));
}

/// <summary>
/// Builds compact JWS tokens by hand (base64url JSON and an HMAC), so that tests can produce
/// tokens the issuer never would: other algorithms, missing header fields or claims, wrong values.
/// </summary>
public static class TokenForge
{
    public static JsonObject Header(string? kid, string alg = "HS256", string? typ = "at+jwt")
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
