using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Tokens;

/// <summary>
/// Claim rules beyond the signature: exact issuer and audience (no forgiven trailing slash), lifetimes
/// this service issues, a required auth_time, and no member named twice.
/// </summary>
public sealed class AccessTokenValidatorClaimRulesTests
{
    private const string WrongAudience = "The token has the wrong audience.";
    private const string WrongIssuer = "The token has the wrong issuer.";
    private const string Malformed = "The token is malformed.";

    private readonly AuthHarness _harness = new();

    private async Task<string?> ErrorOf(JsonObject payload) => (await _harness.ValidateSignedAsync(_harness.Forge(_harness.Key, payload))).Error;

    /// <summary>Signs raw header and payload JSON, so that a member can appear twice.</summary>
    private string SignRaw(string headerJson, string payloadJson)
    {
        var input = $"{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(headerJson))}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson))}";
        return $"{input}.{Base64Url.EncodeToString(TokenForge.SignatureOf(Encoding.ASCII.GetBytes(input), _harness.Key))}";
    }

    private string HeaderJson => TokenForge.Header(_harness.Key.Id).ToJsonString();

    /// <summary>The JSON of an object with one more member appended verbatim.</summary>
    private static string WithMember(JsonObject json, string rawMember)
    {
        var text = json.ToJsonString();
        return $"{text[..^1]},{rawMember}}}";
    }

    [Fact]
    public async Task Control_raw_signed_token_without_duplicates_is_accepted()
    {
        var payload = _harness.Payload();
        payload.Remove("name");

        var result = await _harness.ValidateSignedAsync(SignRaw(HeaderJson, WithMember(payload, "\"name\":\"alice\"")));

        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Audience_with_a_trailing_slash_is_refused()
    {
        var payload = _harness.Payload();
        payload["aud"] = AuthHarness.Audience + "/";

        Assert.Equal(WrongAudience, await ErrorOf(payload));
    }

    [Fact]
    public async Task Audience_array_holding_only_the_audience_with_a_trailing_slash_is_refused()
    {
        var payload = _harness.Payload();
        payload["aud"] = new JsonArray(AuthHarness.Audience + "/");

        Assert.Equal(WrongAudience, await ErrorOf(payload));
    }

    [Fact]
    public async Task Audience_array_holding_the_exact_audience_is_accepted()
    {
        var payload = _harness.Payload();
        payload["aud"] = new JsonArray("https://other-api.example", AuthHarness.Audience);

        Assert.Null(await ErrorOf(payload));
    }

    [Theory]
    [InlineData(AuthHarness.Audience + " ")]
    [InlineData("HTTPS://API.TEST.EXAMPLE")]
    public async Task Audience_differing_in_case_or_whitespace_is_refused(string audience)
    {
        var payload = _harness.Payload();
        payload["aud"] = audience;

        Assert.Equal(WrongAudience, await ErrorOf(payload));
    }

    [Fact]
    public async Task Issuer_with_a_trailing_slash_is_refused()
    {
        var payload = _harness.Payload();
        payload["iss"] = AuthHarness.Issuer + "/";

        Assert.Equal(WrongIssuer, await ErrorOf(payload));
    }

    [Fact]
    public async Task Lifetime_longer_than_the_configured_one_is_refused()
    {
        var payload = _harness.Payload();
        payload["exp"] = (long)payload["iat"]! + (long)_harness.Auth.AccessTokenLifetime.TotalSeconds + 1;

        Assert.Equal("The token's lifetime is not one this service issues.", await ErrorOf(payload));
    }

    [Fact]
    public async Task Lifetime_equal_to_the_configured_one_is_accepted()
    {
        var payload = _harness.Payload();
        payload["exp"] = (long)payload["iat"]! + (long)_harness.Auth.AccessTokenLifetime.TotalSeconds;

        Assert.Null(await ErrorOf(payload));
    }

    [Fact]
    public async Task Token_without_auth_time_is_refused()
    {
        var payload = _harness.Payload();
        Assert.True(payload.Remove("auth_time"));

        Assert.Equal("The token lacks a required claim.", await ErrorOf(payload));
    }

    [Fact]
    public async Task Token_whose_auth_time_is_after_its_iat_is_refused()
    {
        var payload = _harness.Payload();
        payload["auth_time"] = (long)payload["iat"]! + 1;

        Assert.Equal("The token's lifetime is not one this service issues.", await ErrorOf(payload));
    }

    [Fact]
    public async Task Duplicate_payload_member_is_refused()
    {
        var payload = _harness.Payload();

        var token = SignRaw(HeaderJson, WithMember(payload, $"\"sub\":\"{UserAccount.NewId()}\""));

        Assert.Equal(Malformed, (await _harness.ValidateSignedAsync(token)).Error);
    }

    [Fact]
    public async Task Escaped_duplicate_payload_member_is_refused()
    {
        var payload = _harness.Payload();

        // "s\u0075b" is "sub" spelled with an escape: the same member to a JSON parser.
        var token = SignRaw(HeaderJson, WithMember(payload, $"\"s\\u0075b\":\"{UserAccount.NewId()}\""));

        Assert.Contains("\\u0075", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1])), StringComparison.Ordinal);
        Assert.Equal(Malformed, (await _harness.ValidateSignedAsync(token)).Error);
    }

    [Fact]
    public async Task Escaped_member_that_is_no_duplicate_is_not_refused_as_one()
    {
        var payload = _harness.Payload();
        payload.Remove("name");

        var token = SignRaw(HeaderJson, WithMember(payload, "\"n\\u0061me\":\"alice\""));

        var result = await _harness.ValidateSignedAsync(token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Duplicate_header_member_is_refused()
    {
        var header = TokenForge.Header(_harness.Key.Id);

        var token = SignRaw(WithMember(header, "\"alg\":\"HS256\""), _harness.Payload().ToJsonString());

        Assert.Equal(Malformed, (await _harness.ValidateSignedAsync(token)).Error);
    }

    [Fact]
    public async Task Escaped_duplicate_header_member_is_refused()
    {
        var header = TokenForge.Header(_harness.Key.Id);

        var token = SignRaw(WithMember(header, "\"k\\u0069d\":\"another-version\""), _harness.Payload().ToJsonString());

        Assert.Equal(Malformed, (await _harness.ValidateSignedAsync(token)).Error);
    }

    [Fact]
    public async Task Duplicate_members_are_refused_before_any_key_is_loaded()
    {
        var token = SignRaw(HeaderJson, WithMember(_harness.Payload(), "\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\""));

        Assert.Equal(Malformed, (await _harness.ValidateAsync(token)).Error);
        Assert.Equal(0, _harness.MemorySource!.LoadCount);
    }
}
