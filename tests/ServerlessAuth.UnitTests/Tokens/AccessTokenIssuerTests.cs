using System.Text.RegularExpressions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.Tokens;

public sealed partial class AccessTokenIssuerTests
{
    [GeneratedRegex("^[A-Za-z0-9_-]{22}$")]
    private static partial Regex TokenIdShape();

    [Theory]
    [InlineData("ES256")]
    [InlineData("HS256")]
    public async Task Header_names_the_key_versions_algorithm_at_jwt_and_the_version_as_kid(string algorithm)
    {
        var harness = new AuthHarness(key: algorithm == "ES256" ? TestKey.Es256("key-version-1") : TestKey.Hs256("key-version-1"));
        var (user, session) = await harness.AddUserWithSessionAsync();

        var issued = await harness.IssueAsync(user, session);

        var header = TokenForge.ReadHeader(issued.Token);
        Assert.Equal(algorithm, (string?)header["alg"]);
        Assert.Equal("at+jwt", (string?)header["typ"]);
        Assert.Equal(harness.Key.Id, (string?)header["kid"]);
        Assert.Equal(["alg", "kid", "typ"], header.Select(p => p.Key).Order());
        Assert.Equal(harness.Key.Id, issued.Claims.KeyId);
    }

    [Fact]
    public async Task Claims_name_the_user_session_issuer_audience_and_lifetime()
    {
        var harness = new AuthHarness(configure: o => o.AccessTokenLifetime = TimeSpan.FromMinutes(5));
        // A fractional second: the token carries whole seconds, and so must the returned claims.
        harness.Time.Advance(TimeSpan.FromMilliseconds(750));
        var (user, session) = await harness.AddUserWithSessionAsync("Alice");

        var issued = await harness.IssueAsync(user, session);

        var payload = TokenForge.ReadPayload(issued.Token);
        var iat = AuthHarness.Start.ToUnixTimeSeconds();
        Assert.Equal(AuthHarness.Issuer, (string?)payload["iss"]);
        Assert.Equal(AuthHarness.Audience, (string?)payload["aud"]);
        Assert.Equal(user.Id, (string?)payload["sub"]);
        Assert.Equal("Alice", (string?)payload["name"]);
        Assert.Equal(session.Id, (string?)payload["sid"]);
        Assert.Matches(TokenIdShape(), (string?)payload["jti"]);
        Assert.Equal(iat, (long?)payload["iat"]);
        Assert.Equal(iat, (long?)payload["nbf"]);
        Assert.Equal(iat + 300, (long?)payload["exp"]);

        Assert.Equal(user.Id, issued.Claims.Subject);
        Assert.Equal("Alice", issued.Claims.Name);
        Assert.Equal(session.Id, issued.Claims.SessionId);
        Assert.Equal((string?)payload["jti"], issued.Claims.TokenId);
        Assert.Equal(AuthHarness.Start, issued.Claims.IssuedAt);
        Assert.Equal(AuthHarness.Start + TimeSpan.FromMinutes(5), issued.Claims.ExpiresAt);
    }

    [Fact]
    public async Task Token_ids_are_unique_across_issues()
    {
        var harness = new AuthHarness();
        var (user, session) = await harness.AddUserWithSessionAsync();

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 500; i++)
        {
            var issued = await harness.IssueAsync(user, session);
            Assert.Matches(TokenIdShape(), issued.Claims.TokenId);
            Assert.True(ids.Add(issued.Claims.TokenId), $"jti {issued.Claims.TokenId} was issued twice");
        }
    }

    [Fact]
    public async Task Issued_token_validates_to_the_claims_the_issuer_returned()
    {
        var harness = new AuthHarness();
        var (user, session) = await harness.AddUserWithSessionAsync();
        var issued = await harness.IssueAsync(user, session);

        var validation = await harness.ValidateAsync(issued.Token);

        Assert.Null(validation.Error);
        Assert.Equal(issued.Claims, validation.Claims);
    }

    [Fact]
    public async Task After_rotation_the_newest_version_signs()
    {
        var harness = new AuthHarness();
        var (user, session) = await harness.AddUserWithSessionAsync();
        var before = await harness.IssueAsync(user, session);

        var newer = TestKey.Create("key-version-2");
        harness.MemorySource!.Add(new SigningKeyVersion(newer.Id, true, AuthHarness.Start, Value: newer.Value));
        harness.Time.Advance(harness.KeyOptions.RefreshInterval);
        var after = await harness.IssueAsync(user, session);

        Assert.Equal(harness.Key.Id, (string?)TokenForge.ReadHeader(before.Token)["kid"]);
        Assert.Equal(newer.Id, (string?)TokenForge.ReadHeader(after.Token)["kid"]);
        // Tokens of the older version still validate while it is enabled.
        Assert.True((await harness.ValidateAsync(before.Token)).IsValid);
        Assert.True((await harness.ValidateAsync(after.Token)).IsValid);
    }
}
