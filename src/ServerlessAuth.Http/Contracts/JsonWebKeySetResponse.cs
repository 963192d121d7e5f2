using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>RFC 7517 5: the public keys that validate access tokens.</summary>
public sealed record JsonWebKeySetResponse([property: JsonPropertyName("keys")] IReadOnlyList<PublicJsonWebKey> Keys);

/// <summary>An EC public key (RFC 7518 6.2.1): there is no member for a private part, so none can be written.</summary>
public sealed record PublicJsonWebKey(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("crv")] string Curve,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string KeyId,
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("use")] string Use);
