using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http.Contracts;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Http;

/// <summary>What an API needs to validate our tokens by itself: the metadata document and the public keys.</summary>
public static partial class AuthEndpoints
{
    /// <summary>Paths below the issuer (<c>Auth:Issuer</c> is the base URL of these endpoints).</summary>
    public const string DiscoveryPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/.well-known/jwks.json";

    /// <summary>
    /// <c>GET /api/auth/.well-known/openid-configuration</c>: built from settings and the key ring, never from the
    /// request's Host. The algorithms are those of the versions that validate now, the signing one first: after a
    /// rotation to another algorithm both are named, whatever <c>SigningKeys:Algorithm</c> says where the host runs.
    /// </summary>
    public static Task<IResult> DiscoveryAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var ring = await services.GetRequiredService<ISigningKeyProvider>().GetAsync(ct);
            var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
            var keys = services.GetRequiredService<IOptions<SigningKeyOptions>>().Value;
            var issuer = auth.Issuer;
            var document = new DiscoveryDocument(
                Issuer: issuer,
                JwksUri: issuer + JwksPath,
                TokenEndpoint: issuer + "/token",
                RevocationEndpoint: issuer + "/revoke",
                IntrospectionEndpoint: issuer + "/introspect",
                RevocationsEndpoint: issuer + "/revocations",
                TokenEndpointAuthMethods: ["none"],
                RevocationEndpointAuthMethods: ["none"],
                IntrospectionEndpointAuthMethods: ["client_secret_basic"],
                AccessTokenSigningAlgorithms: [ring.CurrentAlgorithm, .. ring.Algorithms.Where(a => a != ring.CurrentAlgorithm)],
                AccessTokenLifetimeSeconds: (long)auth.AccessTokenLifetime.TotalSeconds,
                ResponseTypes: [],
                SubjectTypes: ["public"]);
            Cacheable(context, keys);
            return TypedResults.Ok(document);
        });

    /// <summary>
    /// <c>GET /api/auth/.well-known/jwks.json</c>: the public key of every ES256 version that validates now.
    /// HS256 versions are secrets and never appear; no private part can (see <see cref="PublicJsonWebKey"/>).
    /// </summary>
    public static Task<IResult> JwksAsync(HttpContext context) =>
        HandleAsync(context, HttpMethods.Get, async (services, ct) =>
        {
            var ring = await services.GetRequiredService<ISigningKeyProvider>().GetAsync(ct);
            var set = new JsonWebKeySetResponse([.. ring.PublicKeys.Select(k => new PublicJsonWebKey("EC", k.Curve, k.X, k.Y, k.KeyId, k.Algorithm, "sig"))]);
            Cacheable(context, services.GetRequiredService<IOptions<SigningKeyOptions>>().Value);
            return TypedResults.Ok(set);
        });

    /// <summary>
    /// Public documents may be cached, but no longer than our own instances keep a key ring: a disabled key then
    /// leaves every cache within one refresh interval of leaving ours.
    /// </summary>
    private static void Cacheable(HttpContext context, SigningKeyOptions keys)
    {
        var seconds = Math.Max(0, (long)keys.RefreshInterval.TotalSeconds);
        context.Response.Headers.CacheControl = "public, max-age=" + seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.Remove("Pragma");
    }
}
