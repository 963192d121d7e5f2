using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Another API validating our tokens by itself across rotations: rotations (through <see cref="KeyRotation"/>,
/// as the admin CLI does) show up in the JWKS as they do on our instances. Each test starts its own host,
/// of the kind the subclass names.
/// </summary>
public abstract class KeyRotationJwksTests(AzuriteFixture azurite)
{
    protected abstract HostKind Kind { get; }

    private static readonly TimeSpan FeedBound = AuthApiClient.RevocationBound;
    internal static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    private Task<AuthHost> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = settings ?? new Dictionary<string, string>(), Kind = Kind });

    internal static string Kid(string token) => Jwt.Decode(token).Header.GetProperty("kid").GetString()!;

    internal static async Task<JsonElement> GetJsonAsync(AuthHost host, string path, string expectedCacheControl = "public, max-age=60")
    {
        using var response = await host.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expectedCacheControl, response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    internal static async Task<JsonWebKeySet> FetchJwksAsync(AuthHost host)
    {
        using var response = await host.Client.GetAsync("api/auth/.well-known/jwks.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new JsonWebKeySet(await response.Content.ReadAsStringAsync());
    }

    /// <summary>What a careful API pins: ES256, at+jwt, the issuer from discovery, its audience, keys from the JWKS only.</summary>
    internal static Task<TokenValidationResult> ValidateAsApiAsync(string token, JsonWebKeySet jwks) =>
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

[Collection(KeyRotationCollection.Name)]
public sealed class KeyRotationJwksTestsOnAspNetCore(AzuriteFixture azurite) : KeyRotationJwksTests(azurite)
{
    protected override HostKind Kind => HostKind.AspNetCore;
}

[Collection(KeyRotationCollection.Name)]
public sealed class KeyRotationJwksTestsOnFunctions(AzuriteFixture azurite) : KeyRotationJwksTests(azurite)
{
    protected override HostKind Kind => HostKind.Functions;
}
