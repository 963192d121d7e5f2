using System.Text;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.Tokens;

/// <summary>
/// Each version validates only with the algorithm its value fixes, even in a ring that holds both kinds
/// (an HS256 deployment moving to ES256). The classic confusion: an HS256 token under an ES256 kid, its
/// HMAC keyed with the public key (which the JWKS publishes), must be refused.
/// </summary>
public sealed class AlgorithmPinningTests
{
    private const string WrongAlgorithm = "The token is signed with an algorithm that is not accepted.";

    private readonly TestKey _ec = TestKey.Es256("ec-version");
    private readonly TestKey _hmac = TestKey.Hs256("hmac-version");
    private readonly AuthHarness _harness;

    public AlgorithmPinningTests()
    {
        _harness = new AuthHarness(key: _ec);
        _harness.MemorySource!.Add(new SigningKeyVersion(_hmac.Id, true, AuthHarness.Start - TimeSpan.FromDays(2), Value: _hmac.Value));
    }

    [Fact]
    public async Task Each_kind_validates_with_its_own_algorithm_in_a_mixed_ring()
    {
        var ring = await _harness.Keys.GetAsync(CancellationToken.None);
        Assert.Equal("ES256", ring.AlgorithmOf(_ec.Id));
        Assert.Equal("HS256", ring.AlgorithmOf(_hmac.Id));

        Assert.True((await _harness.ValidateSignedAsync(_harness.Forge(_ec))).IsValid);
        Assert.True((await _harness.ValidateSignedAsync(_harness.Forge(_hmac))).IsValid);
    }

    public static TheoryData<string> PublicKeyForms() => ["SubjectPublicKeyInfo DER", "SubjectPublicKeyInfo PEM", "x || y", "0x04 || x || y"];

    [Theory]
    [MemberData(nameof(PublicKeyForms))]
    public async Task HS256_under_an_ES256_kid_with_the_public_key_as_HMAC_secret_is_refused(string form)
    {
        var parameters = _ec.Ec!.ExportParameters(false);
        var secret = form switch
        {
            "SubjectPublicKeyInfo DER" => _ec.Ec.ExportSubjectPublicKeyInfo(),
            "SubjectPublicKeyInfo PEM" => Encoding.ASCII.GetBytes(_ec.Ec.ExportSubjectPublicKeyInfoPem()),
            "x || y" => [.. parameters.Q.X!, .. parameters.Q.Y!],
            _ => [0x04, .. parameters.Q.X!, .. parameters.Q.Y!],
        };
        var token = TokenForge.Hs256(TokenForge.Header(_ec.Id, "HS256"), _harness.Payload(), secret);

        var result = await _harness.ValidateSignedAsync(token);

        Assert.False(result.IsValid);
        Assert.Equal(WrongAlgorithm, result.Error);
        Assert.Equal("wrong_algorithm", result.Reason);
    }

    [Fact]
    public async Task ES256_under_an_HS256_kid_is_refused()
    {
        // A genuine ES256 signature (by the ring's own EC key), but under the kid of the HMAC version.
        var token = TokenForge.Signed(TokenForge.Header(_hmac.Id, "ES256"), _harness.Payload(), _ec);

        var result = await _harness.ValidateSignedAsync(token);

        Assert.False(result.IsValid);
        Assert.Equal(WrongAlgorithm, result.Error);
    }

    [Fact]
    public async Task HS256_under_an_HS256_kid_but_signed_with_another_versions_secret_is_refused()
    {
        var token = TokenForge.Hs256(TokenForge.Header(_hmac.Id, "HS256"), _harness.Payload(), _ec.Bytes);

        Assert.Equal("The token signature is invalid.", (await _harness.ValidateSignedAsync(token)).Error);
    }

    [Fact]
    public async Task In_an_ES256_only_ring_an_HS256_token_is_refused_whatever_its_kid()
    {
        var harness = new AuthHarness(key: TestKey.Es256("only-ec"));

        foreach (var kid in new[] { "only-ec", "unknown-version" })
        {
            var token = TokenForge.Hs256(TokenForge.Header(kid, "HS256"), harness.Payload(), harness.Key.Bytes);
            var result = await harness.ValidateSignedAsync(token);
            Assert.False(result.IsValid, kid);
        }
    }

    [Fact]
    public async Task New_tokens_are_signed_by_the_newest_version_in_its_algorithm()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();

        var issued = await _harness.IssueAsync(user, session);

        Assert.Equal(_ec.Id, issued.Claims.KeyId);
        Assert.Equal("ES256", (string?)TokenForge.ReadHeader(issued.Token)["alg"]);
        Assert.True((await _harness.ValidateSignedAsync(issued.Token)).IsValid);
    }
}
