using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Another API validating our tokens by itself: it fetches the discovery document and the JWKS over
/// HTTPS and validates with the library alone, holding only public keys. Rotations (through
/// <see cref="KeyRotation"/>, as the admin CLI does) show up in the JWKS as they do on our instances.
/// </summary>
[Collection(KeyRotationCollection.Name)]
public sealed class KeyRotationJwksTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan FeedBound = AuthApiClient.RevocationBound;
    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private Task<AuthHost> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = settings ?? new Dictionary<string, string>() });

    private static string Kid(string token) => Jwt.Decode(token).Header.GetProperty("kid").GetString()!;

    private static async Task<JsonElement> GetJsonAsync(AuthHost host, string path, string expectedCacheControl = "public, max-age=60")
    {
        using var response = await host.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expectedCacheControl, response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonWebKeySet> FetchJwksAsync(AuthHost host)
    {
        using var response = await host.Client.GetAsync("api/auth/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new JsonWebKeySet(await response.Content.ReadAsStringAsync());
    }

    /// <summary>What a careful API pins: ES256, at+jwt, the issuer from discovery, its audience, keys from the JWKS only.</summary>
    private static Task<TokenValidationResult> ValidateAsApiAsync(string token, JsonWebKeySet jwks) =>
        Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = ["at+jwt"],
            ValidIssuer = TestSettings.Issuer,
            ValidAudience = TestSettings.Audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        });

    [Fact]
    public async Task A_token_from_the_host_validates_with_only_the_public_keys_fetched_over_https()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var token = await host.Api.GetTokenAsync(login.CookieValue);

        var discovery = await GetJsonAsync(host, "api/auth/.well-known/openid-configuration");
        Assert.Equal(TestSettings.Issuer, discovery.GetProperty("issuer").GetString());
        Assert.Equal(TestSettings.Issuer + "/.well-known/jwks.json", discovery.GetProperty("jwks_uri").GetString());
        Assert.Equal("ES256", discovery.GetProperty("access_token_signing_alg_values_supported")[0].GetString());
        Assert.Equal((long)TestSettings.AccessTokenLifetime.TotalSeconds, discovery.GetProperty("serverlessauth_access_token_lifetime").GetInt64());

        var jwks = await FetchJwksAsync(host);
        var key = Assert.Single(jwks.Keys);
        Assert.Equal(Kid(token), key.Kid);
        Assert.Equal("EC", key.Kty);
        Assert.False(key.HasPrivateKey);
        Assert.Null(key.D);

        var result = await ValidateAsApiAsync(token, jwks);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(login.UserId, ((JsonWebToken)result.SecurityToken).Subject);
        Assert.Equal("ES256", ((JsonWebToken)result.SecurityToken).Alg);
    }

    [Fact]
    public async Task The_public_keys_cannot_mint_a_token_the_host_accepts()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var genuine = await host.Api.GetTokenAsync(login.CookieValue);
        var jwk = Assert.Single((await FetchJwksAsync(host)).Keys);

        // Algorithm confusion: an HS256 token under the published kid, its HMAC keyed with the published key.
        var forged = Handler.CreateToken(new SecurityTokenDescriptor
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

        using var me = await host.Api.MeAsync(forged);
        await Responses.AssertInvalidTokenAsync(me);
    }

    [Fact]
    public async Task After_a_graceful_rotation_the_JWKS_holds_both_keys_and_old_and_new_tokens_validate()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var before = await host.Api.GetTokenAsync(login.CookieValue);

        var outcome = await host.Service<KeyRotation>().RotateAsync(emergency: false, endSessions: false, CancellationToken.None);
        Assert.Equal("ES256", outcome.NewVersion.Algorithm);

        JsonWebKeySet jwks = null!;
        await Eventually.HoldsAsync(async () =>
        {
            jwks = await FetchJwksAsync(host);
            return jwks.Keys.Count == 2;
        }, FeedBound, "the new key in the JWKS");
        Assert.Equal(new[] { Kid(before), outcome.NewVersion.Id }.Order(), jwks.Keys.Select(k => k.Kid).Order());

        var after = await host.Api.GetTokenAsync(login.CookieValue);
        Assert.Equal(outcome.NewVersion.Id, Kid(after));
        Assert.True((await ValidateAsApiAsync(before, jwks)).IsValid);
        Assert.True((await ValidateAsApiAsync(after, jwks)).IsValid);
        await host.Api.GetMeAsync(before);
    }

    [Fact]
    public async Task After_an_emergency_rotation_the_old_key_leaves_the_JWKS_and_old_tokens_are_refused()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var before = await host.Api.GetTokenAsync(login.CookieValue);
        var oldKid = Kid(before);

        var outcome = await host.Service<KeyRotation>().RotateAsync(emergency: true, endSessions: false, CancellationToken.None);

        JsonWebKeySet jwks = null!;
        await Eventually.HoldsAsync(async () =>
        {
            jwks = await FetchJwksAsync(host);
            return jwks.Keys.All(k => k.Kid != oldKid) && jwks.Keys.Count == 1;
        }, FeedBound, "the old key to leave the JWKS");
        Assert.Equal(outcome.NewVersion.Id, Assert.Single(jwks.Keys).Kid);

        var result = await ValidateAsApiAsync(before, jwks);
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenSignatureKeyNotFoundException>(result.Exception);
        using var me = await host.Api.MeAsync(before);
        await Responses.AssertInvalidTokenAsync(me);

        var after = await host.Api.GetTokenAsync(login.CookieValue);
        Assert.True((await ValidateAsApiAsync(after, jwks)).IsValid);
    }

    [Fact]
    public async Task An_HS256_deployment_still_works_and_publishes_no_key()
    {
        await using var host = await StartHostAsync(new Dictionary<string, string> { ["SigningKeys:Algorithm"] = "HS256" });
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var token = await host.Api.GetTokenAsync(login.CookieValue);

        Assert.Equal("HS256", Jwt.Decode(token).Header.GetProperty("alg").GetString());
        Assert.Equal(login.UserId, (await host.Api.GetMeAsync(token)).GetProperty("sub").GetString());
        Assert.Empty((await FetchJwksAsync(host)).Keys);
        var discovery = await GetJsonAsync(host, "api/auth/.well-known/openid-configuration");
        Assert.Equal("HS256", discovery.GetProperty("access_token_signing_alg_values_supported")[0].GetString());
    }

    [Fact]
    public async Task Moving_an_HS256_deployment_to_ES256_is_a_graceful_rotation()
    {
        // The runbook's migration: the deployment made HS256 versions; with SigningKeys:Algorithm=ES256 a graceful
        // rotation adds an ES256 version; HS256 tokens keep validating until their version is disabled.
        await using var host = await StartHostAsync(new Dictionary<string, string> { ["SigningKeys:Algorithm"] = "HS256" });
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var hsToken = await host.Api.GetTokenAsync(login.CookieValue);
        var hsKid = Kid(hsToken);
        await using var migrated = await host.StartSiblingAsync(new Dictionary<string, string> { ["SigningKeys:Algorithm"] = "ES256" });

        var outcome = await migrated.Service<KeyRotation>().RotateAsync(emergency: false, endSessions: false, CancellationToken.None);
        Assert.Equal("ES256", outcome.NewVersion.Algorithm);

        string esToken = "";
        await Eventually.HoldsAsync(async () =>
        {
            esToken = await migrated.Api.GetTokenAsync(login.CookieValue);
            return Kid(esToken) == outcome.NewVersion.Id;
        }, FeedBound, "tokens signed by the ES256 version");
        Assert.Equal("ES256", Jwt.Decode(esToken).Header.GetProperty("alg").GetString());
        await migrated.Api.GetMeAsync(hsToken);
        await migrated.Api.GetMeAsync(esToken);
        Assert.Equal(outcome.NewVersion.Id, Assert.Single((await FetchJwksAsync(migrated)).Keys).Kid);

        var disabled = await migrated.Service<KeyRotation>().DisableAsync(hsKid, CancellationToken.None);
        Assert.False(disabled.Refused, disabled.Message);
        await migrated.Api.AssertRefusedWithinBoundAsync(hsToken);
        await migrated.Api.GetMeAsync(esToken);
    }
}
