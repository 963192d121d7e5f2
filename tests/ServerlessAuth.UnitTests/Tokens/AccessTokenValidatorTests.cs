using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Tokens;

public sealed class AccessTokenValidatorTests
{
    private const string Malformed = "The token is malformed.";
    private const string BadSignature = "The token signature is invalid.";
    private const string BadAlgorithm = "The token is signed with an algorithm that is not accepted.";
    private const string UnknownKey = "The token is signed with an unknown or retired key.";
    private const string MissingClaim = "The token lacks a required claim.";

    private readonly AuthHarness _harness = new();

    /// <summary>
    /// IdentityModel 8 reports a token whose alg is not in ValidAlgorithms as an invalid signature
    /// (IDX10511), so either text is a correct refusal of a foreign algorithm.
    /// </summary>
    private static void AssertAlgorithmRefusal(string error) =>
        Assert.Contains(error, new[] { BadAlgorithm, BadSignature });

    private async Task<string> RefusalOf(string token)
    {
        var result = await _harness.ValidateSignedAsync(token);
        Assert.False(result.IsValid, "the token was accepted");
        Assert.Null(result.Claims);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
        return result.Error!;
    }

    [Fact]
    public async Task A_hand_forged_token_of_the_right_shape_is_accepted()
    {
        // The control for every refusal below: each of them changes exactly one thing of this token.
        var payload = _harness.Payload();

        var result = await _harness.ValidateSignedAsync(_harness.Forge(_harness.Key, payload));

        Assert.True(result.IsValid, result.Error);
        Assert.Equal((string?)payload["sub"], result.Claims!.Subject);
        Assert.Equal((string?)payload["sid"], result.Claims.SessionId);
        Assert.Equal((string?)payload["jti"], result.Claims.TokenId);
        Assert.Equal(_harness.Key.Id, result.Claims.KeyId);
    }

    [Fact]
    public async Task Unsigned_alg_none_is_refused()
    {
        var token = TokenForge.Unsigned(TokenForge.Header(_harness.Key.Id, alg: "none"), _harness.Payload());

        Assert.Equal(BadAlgorithm, await RefusalOf(token));
    }

    [Fact]
    public async Task Unsigned_token_claiming_the_keys_own_algorithm_is_refused()
    {
        var token = TokenForge.Unsigned(TokenForge.Header(_harness.Key.Id, _harness.Key.Algorithm), _harness.Payload());

        Assert.Equal(BadSignature, await RefusalOf(token));
    }

    [Fact]
    public async Task HS512_signed_with_the_right_HS256_secret_is_refused()
    {
        var harness = new AuthHarness(key: TestKey.Hs256("key-version-1"));
        var token = TokenForge.Hs512(TokenForge.Header(harness.Key.Id, alg: "HS512"), harness.Payload(), harness.Key.Bytes);

        var result = await harness.ValidateSignedAsync(token);

        Assert.False(result.IsValid);
        AssertAlgorithmRefusal(result.Error!);
    }

    [Fact]
    public async Task HS512_built_with_JsonWebTokenHandler_and_the_right_key_is_refused()
    {
        // HS512 needs a 64-byte key to sign with: make one a current, valid version.
        var big = TestKey.Hs256("key-version-64", 64);
        _harness.MemorySource!.Add(new SigningKeyVersion(big.Id, true, AuthHarness.Start, Value: big.Value));
        Assert.Contains((await _harness.Keys.GetAsync(CancellationToken.None)).ValidationKeys, k => k.KeyId == big.Id);
        var now = _harness.Time.GetUtcNow().UtcDateTime;
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = AccessTokenShape.Type,
            Issuer = AuthHarness.Issuer,
            Audience = AuthHarness.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = UserAccount.NewId(),
                ["name"] = "alice",
                ["sid"] = AuthHarness.NewSessionId(),
                ["jti"] = AuthHarness.NewTokenId(),
            },
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(big.Bytes) { KeyId = big.Id }, SecurityAlgorithms.HmacSha512),
        });
        Assert.Equal("HS512", (string?)TokenForge.ReadHeader(token)["alg"]);

        AssertAlgorithmRefusal(await RefusalOf(token));
    }

    [Fact]
    public async Task Header_claiming_RS256_is_refused()
    {
        // Algorithm confusion: an HMAC (keyed with the public key's bytes) under a header that names an RSA algorithm.
        var token = TokenForge.Hs256(TokenForge.Header(_harness.Key.Id, alg: "RS256"), _harness.Payload(), _harness.Key.Bytes);

        AssertAlgorithmRefusal(await RefusalOf(token));
    }

    [Fact]
    public async Task Signature_by_another_key_under_the_known_kid_is_refused()
    {
        var other = TestKey.Create(_harness.Key.Id);

        Assert.Equal(BadSignature, await RefusalOf(_harness.Forge(other)));
    }

    [Fact]
    public async Task Tampered_payload_with_the_original_signature_is_refused()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();
        var issued = await _harness.IssueAsync(user, session);
        var payload = TokenForge.ReadPayload(issued.Token);
        payload["sub"] = UserAccount.NewId();

        var tampered = TokenForge.ReplacePayload(issued.Token, payload);

        Assert.Equal(BadSignature, await RefusalOf(tampered));
        Assert.True((await _harness.ValidateAsync(issued.Token)).IsValid);
    }

    [Fact]
    public async Task Expired_beyond_clock_skew_is_refused()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();
        var issued = await _harness.IssueAsync(user, session);

        _harness.Time.Advance(_harness.Auth.AccessTokenLifetime + _harness.Auth.ClockSkew + TimeSpan.FromSeconds(1));

        Assert.Equal("The token has expired.", await RefusalOf(issued.Token));
    }

    [Fact]
    public async Task Expired_within_clock_skew_is_accepted()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();
        var issued = await _harness.IssueAsync(user, session);

        _harness.Time.Advance(_harness.Auth.AccessTokenLifetime + _harness.Auth.ClockSkew - TimeSpan.FromSeconds(1));

        var result = await _harness.ValidateAsync(issued.Token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Not_yet_valid_beyond_clock_skew_is_refused()
    {
        var payload = _harness.Payload();
        var nbf = (long)payload["nbf"]! + (long)_harness.Auth.ClockSkew.TotalSeconds + 60;
        payload["nbf"] = nbf;
        payload["iat"] = nbf;
        payload["exp"] = nbf + 600;

        Assert.Equal("The token is not valid yet.", await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Fact]
    public async Task Not_yet_valid_within_clock_skew_is_accepted()
    {
        var payload = _harness.Payload();
        var nbf = (long)payload["nbf"]! + (long)_harness.Auth.ClockSkew.TotalSeconds - 5;
        payload["nbf"] = nbf;
        payload["iat"] = nbf;

        var result = await _harness.ValidateSignedAsync(_harness.Forge(_harness.Key, payload));

        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Token_without_exp_is_refused()
    {
        var payload = _harness.Payload();
        payload.Remove("exp");

        Assert.Equal("The token has no expiry.", await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Fact]
    public async Task Wrong_issuer_is_refused()
    {
        var payload = _harness.Payload();
        payload["iss"] = "https://evil.example";

        Assert.Equal("The token has the wrong issuer.", await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Fact]
    public async Task Missing_issuer_is_refused()
    {
        var payload = _harness.Payload();
        payload.Remove("iss");

        Assert.Equal("The token has the wrong issuer.", await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Fact]
    public async Task Wrong_audience_is_refused()
    {
        var payload = _harness.Payload();
        payload["aud"] = "https://other-api.example";

        Assert.Equal("The token has the wrong audience.", await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("jwt")]
    [InlineData("application/at+jwt")]
    [InlineData("AT+JWT")]
    public async Task Wrong_typ_is_refused(string typ)
    {
        var token = TokenForge.Signed(TokenForge.Header(_harness.Key.Id, typ: typ), _harness.Payload(), _harness.Key);

        Assert.Equal("The token has the wrong type.", await RefusalOf(token));
    }

    [Fact]
    public async Task Missing_typ_is_refused()
    {
        var token = TokenForge.Signed(TokenForge.Header(_harness.Key.Id, typ: null), _harness.Payload(), _harness.Key);

        Assert.Equal("The token has the wrong type.", await RefusalOf(token));
    }

    [Fact]
    public async Task Critical_header_parameter_is_refused()
    {
        var header = TokenForge.Header(_harness.Key.Id);
        header["crit"] = new System.Text.Json.Nodes.JsonArray("exp-policy");
        header["exp-policy"] = "ignore";
        var token = TokenForge.Signed(header, _harness.Payload(), _harness.Key);

        Assert.Equal("The token has a critical header this service does not understand.", await RefusalOf(token));
    }

    [Fact]
    public async Task Missing_kid_is_refused_even_when_signed_with_the_right_key()
    {
        var token = TokenForge.Signed(TokenForge.Header(kid: null), _harness.Payload(), _harness.Key);

        Assert.Equal(UnknownKey, await RefusalOf(token));
    }

    [Fact]
    public async Task Unknown_kid_is_refused_after_one_refresh_of_the_source()
    {
        await _harness.Keys.GetAsync(CancellationToken.None);
        Assert.Equal(1, _harness.MemorySource!.LoadCount);
        var stranger = TestKey.Create("no-such-version");

        Assert.Equal(UnknownKey, await RefusalOf(_harness.Forge(stranger)));
        Assert.Equal(2, _harness.MemorySource.LoadCount);
    }

    [Theory]
    [InlineData("jti")]
    [InlineData("sid")]
    [InlineData("sub")]
    [InlineData("name")]
    [InlineData("iat")]
    public async Task Missing_required_claim_is_refused(string claim)
    {
        var payload = _harness.Payload();
        Assert.True(payload.Remove(claim));

        Assert.Equal(MissingClaim, await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Theory]
    [InlineData("jti", "short")]
    [InlineData("jti", "AAAAAAAAAAAAAAAAAAAAAAA")]          // 23 characters
    [InlineData("sid", "not a session id at all")]
    [InlineData("sub", "alice")]                            // a username is never a subject
    [InlineData("sub", "0123456789ABCDEF0123456789ABCDEF")] // upper-case hex
    public async Task Ill_shaped_identifier_claim_is_refused(string claim, string value)
    {
        var payload = _harness.Payload();
        payload[claim] = value;

        Assert.Equal(MissingClaim, await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Fact]
    public async Task Non_string_sub_is_refused()
    {
        var payload = _harness.Payload();
        payload["sub"] = 12345;

        Assert.Equal(MissingClaim, await RefusalOf(_harness.Forge(_harness.Key, payload)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d.e")]
    public async Task Garbage_is_malformed(string token)
    {
        Assert.Equal(Malformed, await RefusalOf(token));
    }

    [Fact]
    public async Task Over_long_token_is_refused_before_parsing()
    {
        var payload = _harness.Payload();
        payload["padding"] = new string('x', AccessTokenShape.MaxLength);
        var token = _harness.Forge(_harness.Key, payload);
        Assert.True(token.Length > AccessTokenShape.MaxLength);

        Assert.Equal(Malformed, await RefusalOf(token));
        Assert.Equal(0, _harness.MemorySource!.LoadCount);
    }

    [Fact]
    public async Task Refusals_never_echo_token_content()
    {
        var payload = _harness.Payload();
        payload["iss"] = "https://evil.example/<script>";

        var error = await RefusalOf(_harness.Forge(_harness.Key, payload));

        Assert.DoesNotContain("evil", error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Signature_refusal_happens_before_revocation_reads()
    {
        var token = _harness.Forge(TestKey.Create(_harness.Key.Id));

        var result = await _harness.ValidateAsync(token);

        Assert.Equal(BadSignature, result.Error);
        Assert.Equal(0, _harness.RevokedTokens.IsRevokedCalls);
        Assert.Equal(0, _harness.Sessions.FindCalls);
        Assert.Equal(0, _harness.Users.FindByIdCalls);
    }

    [Fact]
    public async Task Payload_that_is_not_json_is_malformed()
    {
        var header = TokenForge.Encode(TokenForge.Header(_harness.Key.Id));

        // "bm90IGpzb24" is base64url of "not json".
        Assert.Equal(Malformed, await RefusalOf($"{header}.bm90IGpzb24.c2lnbmF0dXJl"));
    }
}
