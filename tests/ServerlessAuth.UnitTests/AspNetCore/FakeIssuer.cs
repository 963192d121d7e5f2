using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.AspNetCore;

/// <summary>An ES256 signing key of the fake issuer: its kid and private key.</summary>
public sealed class IssuerKey(string kid) : IDisposable
{
    public string Kid { get; } = kid;

    public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public JsonObject PublicJwk()
    {
        var p = Key.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["kid"] = Kid, ["alg"] = "ES256", ["use"] = "sig",
            ["x"] = Base64Url.EncodeToString(p.Q.X), ["y"] = Base64Url.EncodeToString(p.Q.Y),
        };
    }

    public string Sign(JsonObject header, JsonObject payload) =>
        TokenForge.Sign(header, payload, data => Key.SignData(data, HashAlgorithmName.SHA256));

    public void Dispose() => Key.Dispose();
}

/// <summary>
/// The issuer's endpoints in memory, as the contract gives them: discovery, JWKS, revocations (Basic) and
/// introspection (Basic). Tests change what it answers and read what it was asked.
/// </summary>
public sealed class FakeIssuer : HttpMessageHandler
{
    public const string Issuer = "https://issuer.test/api/auth";
    public const string Audience = "orders-api";
    public const string ClientId = "orders-api";
    public const string ClientSecret = "s3cr3t-of-the-orders-api";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);

    public List<IssuerKey> Keys { get; } = [];

    /// <summary>The events the revocations endpoint lists (JSON objects of the wire format).</summary>
    public List<JsonObject> Events { get; } = [];

    public HttpStatusCode RevocationsStatus { get; set; } = HttpStatusCode.OK;

    /// <summary>Raw body instead of the events (malformed answers).</summary>
    public string? RevocationsBody { get; set; }

    public bool IntrospectionActive { get; set; } = true;

    public HttpStatusCode IntrospectionStatus { get; set; } = HttpStatusCode.OK;

    public string DiscoveryIssuer { get; set; } = Issuer;

    /// <summary>Raw body instead of the discovery document (malformed answers).</summary>
    public string? DiscoveryBody { get; set; }

    public ConcurrentQueue<string> RevocationQueries { get; } = new();

    public int Calls(string path) => _calls.GetValueOrDefault(path);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var path = uri.AbsolutePath;
        _calls.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (uri.Host != "issuer.test")
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        switch (path)
        {
            case "/api/auth/.well-known/openid-configuration" when DiscoveryBody is not null:
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(DiscoveryBody, System.Text.Encoding.UTF8, "application/json") };
            case "/api/auth/.well-known/openid-configuration":
                return Json(new JsonObject
                {
                    ["issuer"] = DiscoveryIssuer,
                    ["jwks_uri"] = Issuer + "/.well-known/jwks.json",
                    ["token_endpoint"] = Issuer + "/token",
                    ["revocation_endpoint"] = Issuer + "/revoke",
                    ["introspection_endpoint"] = Issuer + "/introspect",
                    ["introspection_endpoint_auth_methods_supported"] = new JsonArray("client_secret_basic"),
                    ["access_token_signing_alg_values_supported"] = new JsonArray("ES256"),
                    ["serverlessauth_revocations_endpoint"] = Issuer + "/revocations",
                    ["serverlessauth_access_token_lifetime"] = (long)Lifetime.TotalSeconds,
                    ["response_types_supported"] = new JsonArray(),
                    ["subject_types_supported"] = new JsonArray("public"),
                });
            case "/api/auth/.well-known/jwks.json":
                return Json(new JsonObject { ["keys"] = new JsonArray([.. Keys.Select(k => (JsonNode)k.PublicJwk())]) });
            case "/api/auth/revocations":
                if (!HasClientCredentials(request))
                {
                    return new HttpResponseMessage(HttpStatusCode.Unauthorized);
                }

                RevocationQueries.Enqueue(uri.Query);
                if (RevocationsStatus != HttpStatusCode.OK)
                {
                    return new HttpResponseMessage(RevocationsStatus);
                }

                return RevocationsBody is { } body
                    ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") }
                    : Json(new JsonObject { ["events"] = new JsonArray([.. Events.Select(e => (JsonNode)e.DeepClone())]) });
            case "/api/auth/introspect":
                if (!HasClientCredentials(request) || request.Method != HttpMethod.Post)
                {
                    return new HttpResponseMessage(HttpStatusCode.Unauthorized);
                }

                var form = await request.Content!.ReadAsStringAsync(cancellationToken);
                Assert.Contains("token=", form);
                return IntrospectionStatus != HttpStatusCode.OK
                    ? new HttpResponseMessage(IntrospectionStatus)
                    : Json(new JsonObject { ["active"] = IntrospectionActive });
            default:
                return new HttpResponseMessage(HttpStatusCode.NotFound);
        }
    }

    private static bool HasClientCredentials(HttpRequestMessage request) =>
        request.Headers.Authorization is { Scheme: "Basic", Parameter: { } p }
        && Encoding.UTF8.GetString(Convert.FromBase64String(p)) == $"{ClientId}:{ClientSecret}";

    private static HttpResponseMessage Json(JsonNode body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

    public static JsonObject Event(string kind, DateTimeOffset publishedAt, params (string Name, JsonNode? Value)[] members)
    {
        var e = new JsonObject { ["id"] = Guid.NewGuid().ToString("N"), ["kind"] = kind, ["published_at"] = publishedAt.ToUnixTimeMilliseconds() };
        foreach (var (name, value) in members)
        {
            e[name] = value;
        }

        return e;
    }

    public static string ReadEventsJson(IEnumerable<JsonObject> events) =>
        JsonSerializer.Serialize(new JsonObject { ["events"] = new JsonArray([.. events.Select(e => (JsonNode)e.DeepClone())]) });
}
