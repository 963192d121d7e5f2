using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.UnitTests.Fakes;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.Http;

/// <summary>The discovery document and the JWKS: what they contain, and what they must never contain.</summary>
public sealed class DiscoveryEndpointTests
{
    private static readonly DateTimeOffset Start = AuthHarness.Start;
    private readonly InMemorySigningKeySource _source = new();

    [Fact]
    public async Task JWKS_lists_the_public_key_of_every_ES256_version_that_validates_and_nothing_else()
    {
        var current = TestKey.Es256("ec-current");
        var older = TestKey.Es256("ec-older");
        var hmac = TestKey.Hs256("hmac-old");
        _source.Add(new SigningKeyVersion(current.Id, true, Start.AddHours(-1), Value: current.Value));
        _source.Add(new SigningKeyVersion(older.Id, true, Start.AddDays(-1), Value: older.Value));
        _source.Add(new SigningKeyVersion(hmac.Id, true, Start.AddDays(-2), Value: hmac.Value));
        _source.Add(new SigningKeyVersion("ec-disabled", false, Start.AddDays(-3), Value: SigningKeyMaterial.Generate("ES256")));
        _source.Add(new SigningKeyVersion("ec-expired", true, Start.AddDays(-4), ExpiresOn: Start.AddMinutes(-1), Value: SigningKeyMaterial.Generate("ES256")));
        _source.Add(new SigningKeyVersion("ec-future", true, Start.AddDays(-5), NotBefore: Start.AddMinutes(1), Value: SigningKeyMaterial.Generate("ES256")));

        var (status, headers, body) = await GetAsync(AuthEndpoints.JwksAsync);

        Assert.Equal(StatusCodes.Status200OK, status);
        var keys = body.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal([current.Id, older.Id], keys.Select(k => k.GetProperty("kid").GetString()));
        foreach (var (jwk, key) in keys.Zip([current, older]))
        {
            Assert.Equal(["alg", "crv", "kid", "kty", "use", "x", "y"], jwk.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal("EC", jwk.GetProperty("kty").GetString());
            Assert.Equal("P-256", jwk.GetProperty("crv").GetString());
            Assert.Equal("ES256", jwk.GetProperty("alg").GetString());
            Assert.Equal("sig", jwk.GetProperty("use").GetString());
            var q = key.Ec!.ExportParameters(false).Q;
            Assert.Equal(q.X, System.Buffers.Text.Base64Url.DecodeFromChars(jwk.GetProperty("x").GetString()));
            Assert.Equal(q.Y, System.Buffers.Text.Base64Url.DecodeFromChars(jwk.GetProperty("y").GetString()));
        }

        // No private part and no symmetric secret, in any form.
        var text = body.GetRawText();
        Assert.DoesNotContain("\"d\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"k\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("oct", text, StringComparison.Ordinal);
        Assert.DoesNotContain(System.Buffers.Text.Base64Url.EncodeToString(current.Ec!.ExportParameters(true).D), text, StringComparison.Ordinal);
        Assert.DoesNotContain(System.Buffers.Text.Base64Url.EncodeToString(hmac.Bytes), text, StringComparison.Ordinal);
        Assert.Equal("public, max-age=60", headers.CacheControl.ToString());
        Assert.False(headers.ContainsKey("Pragma"));
    }

    [Fact]
    public async Task JWKS_of_an_HS256_only_deployment_is_empty()
    {
        var hmac = TestKey.Hs256("hmac");
        _source.Add(new SigningKeyVersion(hmac.Id, true, Start.AddDays(-1), Value: hmac.Value));

        var (status, _, body) = await GetAsync(AuthEndpoints.JwksAsync);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.Empty(body.GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task JWKS_answers_503_and_caches_nothing_when_no_key_can_be_had()
    {
        var (status, headers, body) = await GetAsync(AuthEndpoints.JwksAsync);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("temporarily_unavailable", body.GetProperty("code").GetString());
        Assert.Equal("no-store", headers.CacheControl.ToString());
    }

    [Fact]
    public async Task Cache_lifetime_is_the_key_refresh_interval()
    {
        var key = TestKey.Es256("ec");
        _source.Add(new SigningKeyVersion(key.Id, true, Start.AddDays(-1), Value: key.Value));

        var (_, jwks, _) = await GetAsync(AuthEndpoints.JwksAsync, keys: o => o.RefreshInterval = TimeSpan.FromSeconds(15));
        var (_, discovery, _) = await GetAsync(AuthEndpoints.DiscoveryAsync, keys: o => o.RefreshInterval = TimeSpan.FromSeconds(15));

        Assert.Equal("public, max-age=15", jwks.CacheControl.ToString());
        Assert.Equal("public, max-age=15", discovery.CacheControl.ToString());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Other_methods_get_405(string method)
    {
        foreach (var endpoint in new Func<HttpContext, Task<IResult>>[] { AuthEndpoints.JwksAsync, AuthEndpoints.DiscoveryAsync })
        {
            var (status, headers, body) = await GetAsync(endpoint, method: method);

            Assert.Equal(StatusCodes.Status405MethodNotAllowed, status);
            Assert.Equal("GET", headers.Allow.ToString());
            Assert.Equal("method_not_allowed", body.GetProperty("code").GetString());
        }
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("HS256")]
    public async Task Discovery_is_built_from_the_issuer_and_the_settings_never_from_the_request(string algorithm)
    {
        var key = algorithm == "ES256" ? TestKey.Es256("current") : TestKey.Hs256("current");
        _source.Add(new SigningKeyVersion(key.Id, true, Start.AddDays(-1), Value: key.Value));

        var (status, headers, body) = await GetAsync(AuthEndpoints.DiscoveryAsync, keys: o => o.Algorithm = algorithm, host: "attacker.example");

        Assert.Equal(StatusCodes.Status200OK, status);
        const string Issuer = AuthHarness.Issuer;
        Assert.Equal(Issuer, body.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "/.well-known/jwks.json", body.GetProperty("jwks_uri").GetString());
        Assert.Equal(Issuer + "/token", body.GetProperty("token_endpoint").GetString());
        Assert.Equal(Issuer + "/revoke", body.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(Issuer + "/introspect", body.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(Issuer + "/revocations", body.GetProperty("serverlessauth_revocations_endpoint").GetString());
        Assert.Equal(["client_secret_basic"], Strings(body, "introspection_endpoint_auth_methods_supported"));
        Assert.Equal(["none"], Strings(body, "revocation_endpoint_auth_methods_supported"));
        Assert.Equal(["none"], Strings(body, "token_endpoint_auth_methods_supported"));
        Assert.Equal([algorithm], Strings(body, "access_token_signing_alg_values_supported"));
        Assert.Equal(420, body.GetProperty("serverlessauth_access_token_lifetime").GetInt64());
        Assert.Empty(Strings(body, "response_types_supported"));
        Assert.Equal(["public"], Strings(body, "subject_types_supported"));
        Assert.DoesNotContain("attacker.example", body.GetRawText(), StringComparison.Ordinal);
        foreach (var absent in new[] { "grant_types_supported", "id_token_signing_alg_values_supported", "token_endpoint_auth_signing_alg_values_supported" })
        {
            Assert.False(body.TryGetProperty(absent, out _), absent);
        }

        Assert.Equal("nosniff", headers.XContentTypeOptions.ToString());
    }

    [Fact]
    public async Task Discovery_names_every_algorithm_that_validates_now_the_signing_one_first_whatever_the_setting()
    {
        // After a rotation from ES256 to HS256 made by a CLI configured otherwise than the host.
        var hmac = TestKey.Hs256("hmac-new");
        var ec = TestKey.Es256("ec-old");
        _source.Add(new SigningKeyVersion(hmac.Id, true, Start.AddHours(-1), Value: hmac.Value));
        _source.Add(new SigningKeyVersion(ec.Id, true, Start.AddDays(-1), Value: ec.Value));
        _source.Add(new SigningKeyVersion("ec-disabled", false, Start.AddDays(-2), Value: SigningKeyMaterial.Generate("ES256")));

        var (_, _, body) = await GetAsync(AuthEndpoints.DiscoveryAsync, keys: o => o.Algorithm = "ES256");

        Assert.Equal(["HS256", "ES256"], Strings(body, "access_token_signing_alg_values_supported"));
    }

    [Fact]
    public async Task Discovery_answers_503_and_caches_nothing_when_no_key_can_be_had()
    {
        var (status, headers, _) = await GetAsync(AuthEndpoints.DiscoveryAsync);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("no-store", headers.CacheControl.ToString());
    }

    private static string[] Strings(JsonElement body, string name) =>
        [.. body.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? "")];

    private async Task<(int Status, IHeaderDictionary Headers, JsonElement Body)> GetAsync(
        Func<HttpContext, Task<IResult>> endpoint, Action<SigningKeyOptions>? keys = null, string method = "GET", string host = "localhost")
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<Telemetry.AuthMetrics>();
        services.AddOptions<AuthOptions>().Configure(o =>
        {
            o.Issuer = AuthHarness.Issuer;
            o.Audience = AuthHarness.Audience;
            o.AccessTokenLifetime = TimeSpan.FromMinutes(7);
        });
        services.AddOptions<SigningKeyOptions>().Configure(o => keys?.Invoke(o));
        services.AddOptions<StorageOptions>();
        services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start));
        services.AddSingleton<ISigningKeySource>(_source);
        services.AddSingleton<ISigningKeyProvider>(sp => new SigningKeyCache(
            _source, sp.GetRequiredService<IOptions<SigningKeyOptions>>(), sp.GetRequiredService<IOptions<StorageOptions>>(),
            sp.GetRequiredService<TimeProvider>(), NullLogger<SigningKeyCache>.Instance));
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await using var scope = provider.CreateAsyncScope();

        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Request.Host = new HostString(host);
        var responseBody = new MemoryStream();
        context.Response.Body = responseBody;

        var result = await endpoint(context);
        await result.ExecuteAsync(context);
        return (context.Response.StatusCode, context.Response.Headers, JsonDocument.Parse(responseBody.ToArray()).RootElement.Clone());
    }
}
