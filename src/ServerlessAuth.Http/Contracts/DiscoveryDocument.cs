using System.Text.Json.Serialization;

namespace ServerlessAuth.Http.Contracts;

/// <summary>
/// RFC 8414 authorization server metadata (served at the OpenID Connect discovery path, which is where
/// API token libraries look). Every URL is the configured issuer plus a path. The members that describe
/// flows this service does not offer are left out or given as what they are.
/// </summary>
public sealed record DiscoveryDocument(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("token_endpoint")] string TokenEndpoint,
    [property: JsonPropertyName("revocation_endpoint")] string RevocationEndpoint,
    [property: JsonPropertyName("introspection_endpoint")] string IntrospectionEndpoint,
    [property: JsonPropertyName("serverlessauth_revocations_endpoint")] string RevocationsEndpoint,
    [property: JsonPropertyName("token_endpoint_auth_methods_supported")] IReadOnlyList<string> TokenEndpointAuthMethods,
    [property: JsonPropertyName("revocation_endpoint_auth_methods_supported")] IReadOnlyList<string> RevocationEndpointAuthMethods,
    [property: JsonPropertyName("introspection_endpoint_auth_methods_supported")] IReadOnlyList<string> IntrospectionEndpointAuthMethods,
    [property: JsonPropertyName("access_token_signing_alg_values_supported")] IReadOnlyList<string> AccessTokenSigningAlgorithms,
    [property: JsonPropertyName("serverlessauth_access_token_lifetime")] long AccessTokenLifetimeSeconds,
    [property: JsonPropertyName("response_types_supported")] IReadOnlyList<string> ResponseTypes,
    [property: JsonPropertyName("subject_types_supported")] IReadOnlyList<string> SubjectTypes);
