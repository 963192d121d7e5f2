using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// The discovery document and the JWKS over HTTPS, as another API uses them: it validates our tokens with
/// the library alone, holding only the public keys it fetched. Runs on both hosts.
/// </summary>
public abstract class DiscoveryTests(HostFixture fixture)
{
    private AuthHost Host => fixture.Host;

    [Fact]
    public async Task A_token_from_the_host_validates_with_only_the_public_keys_fetched_over_https()
    {
        var login = await Host.Api.LoginAsync(await Host.AddUserAsync());
        var token = await Host.Api.GetTokenAsync(login.CookieValue);

        var discovery = await KeyRotationJwksTests.GetJsonAsync(Host, "api/auth/.well-known/openid-configuration");
        Assert.Equal(TestSettings.Issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(TestSettings.Issuer + "/.well-known/jwks.json", discovery.GetProperty("jwks_uri").GetString());
        Assert.Equal("ES256", discovery.GetProperty("access_token_signing_alg_values_supported")[0].GetString());
        Assert.Equal((long)TestSettings.AccessTokenLifetime.TotalSeconds, discovery.GetProperty("serverlessauth_access_token_lifetime").GetInt64());

        var jwks = await KeyRotationJwksTests.FetchJwksAsync(Host);
        var key = Assert.Single(jwks.Keys);
        Assert.Equal(KeyRotationJwksTests.Kid(token), key.Kid);
        Assert.Equal("EC", key.Kty);
        Assert.False(key.HasPrivateKey);
        Assert.Null(key.D);

        var result = await KeyRotationJwksTests.ValidateAsApiAsync(token, jwks);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(login.UserId, ((JsonWebToken)result.SecurityToken).Subject);
        Assert.Equal("ES256", ((JsonWebToken)result.SecurityToken).Alg);
    }

    [Fact]
    public async Task The_public_keys_cannot_mint_a_token_the_host_accepts()
    {
        var login = await Host.Api.LoginAsync(await Host.AddUserAsync());
        var genuine = await Host.Api.GetTokenAsync(login.CookieValue);
        var jwk = Assert.Single((await KeyRotationJwksTests.FetchJwksAsync(Host)).Keys);

        // Algorithm confusion: an HS256 token under the published kid, its HMAC keyed with the published key.
        var forged = KeyRotationJwksTests.Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = TestSettings.Issuer,
            Audience = TestSettings.Audience,
            Claims = Jwt.Decode(genuine).Payload.EnumerateObject()
                .Where(p => p.Name is "sub" or "name" or "sid" or "jti" or "auth_time")
                .ToDictionary(p => p.Name, p => (object)(p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetInt64() : p.Value.GetString()!)),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(jwk.X + jwk.Y)) { KeyId = jwk.Kid }, SecurityAlgorithms.HmacSha256),
        });

        using var me = await Host.Api.MeAsync(forged);
        await Responses.AssertInvalidTokenAsync(me);
    }

    [Fact]
    public async Task The_documents_answer_only_GET_and_take_their_URLs_from_the_issuer_not_the_Host_header()
    {
        string[] paths = ["api/auth/.well-known/openid-configuration", "api/auth/.well-known/jwks.json"];
        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
            {
                using var response = await Host.Api.SendAsync(method, path);
                await Responses.AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, paths[0]);
        request.Headers.Host = "evil.example";
        using var spoofed = await Host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, spoofed.StatusCode);
        var body = await spoofed.Content.ReadAsStringAsync();
        Assert.DoesNotContain("evil.example", body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        foreach (var member in new[] { "jwks_uri", "token_endpoint", "revocation_endpoint", "introspection_endpoint", "serverlessauth_revocations_endpoint" })
        {
            Assert.StartsWith(TestSettings.Issuer + "/", json.RootElement.GetProperty(member).GetString(), StringComparison.Ordinal);
        }
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class DiscoveryTestsOnAspNetCore(HostFixture fixture) : DiscoveryTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class DiscoveryTestsOnFunctions(FunctionsHostFixture fixture) : DiscoveryTests(fixture), IClassFixture<FunctionsHostFixture>;
