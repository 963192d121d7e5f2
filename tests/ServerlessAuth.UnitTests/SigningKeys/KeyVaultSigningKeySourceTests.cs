using Azure;
using Azure.Security.KeyVault.Secrets;
using Moq;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.TableStorage.SigningKeys;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.SigningKeys;

/// <summary>
/// A Key Vault secret's versions behind a mocked <see cref="SecretClient"/>: the test edits the
/// versions, and the mock serves them as a real client would (list of properties, then values).
/// </summary>
internal sealed class MockVault
{
    public static readonly Uri VaultUri = new("https://unit-test-vault.vault.azure.net/");
    public const string SecretName = "jwt-signing-key";

    private readonly Lock _gate = new();
    private readonly List<(SecretProperties Properties, string Value)> _versions = [];

    public MockVault()
    {
        Client.SetupGet(c => c.VaultUri).Returns(VaultUri);
        Client.Setup(c => c.GetPropertiesOfSecretVersionsAsync(SecretName, It.IsAny<CancellationToken>()))
            .Returns(() => AsyncPageable<SecretProperties>.FromPages(Pages()));
        Client.Setup(c => c.GetSecretAsync(SecretName, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string name, string version, CancellationToken _) => Task.FromResult(GetSecret(version)));
    }

    public Mock<SecretClient> Client { get; } = new();

    /// <summary>When set, listing fails as the vault would (thrown while enumerating).</summary>
    public Exception? Outage { get; set; }

    public SecretProperties Add(TestKey key, DateTimeOffset createdOn, bool enabled = true,
        DateTimeOffset? notBefore = null, DateTimeOffset? expiresOn = null) =>
        Add(key.Id, key.Value, createdOn, enabled, notBefore, expiresOn);

    public SecretProperties Add(string version, string value, DateTimeOffset createdOn, bool enabled = true,
        DateTimeOffset? notBefore = null, DateTimeOffset? expiresOn = null)
    {
        var properties = SecretModelFactory.SecretProperties(
            id: new Uri(VaultUri, $"secrets/{SecretName}/{version}"),
            vaultUri: VaultUri,
            name: SecretName,
            version: version,
            managed: false,
            keyId: null,
            createdOn: createdOn,
            updatedOn: createdOn,
            recoveryLevel: "Recoverable+Purgeable");
        properties.Enabled = enabled;
        properties.NotBefore = notBefore;
        properties.ExpiresOn = expiresOn;
        lock (_gate)
        {
            _versions.Add((properties, value));
        }

        return properties;
    }

    public void Disable(string version)
    {
        lock (_gate)
        {
            _versions.Single(v => v.Properties.Version == version).Properties.Enabled = false;
        }
    }

    public void VerifyListed(int times) =>
        Client.Verify(c => c.GetPropertiesOfSecretVersionsAsync(SecretName, It.IsAny<CancellationToken>()), Times.Exactly(times));

    public void VerifyFetched(string version, int times) =>
        Client.Verify(c => c.GetSecretAsync(SecretName, version, It.IsAny<CancellationToken>()), Times.Exactly(times));

    private IEnumerable<Page<SecretProperties>> Pages()
    {
        if (Outage is { } outage)
        {
            throw outage;
        }

        List<SecretProperties> listed;
        lock (_gate)
        {
            // Key Vault lists versions in no promised order.
            listed = _versions.Select(v => v.Properties).Reverse().ToList();
        }

        yield return Page<SecretProperties>.FromValues(listed, continuationToken: null, Mock.Of<Response>());
    }

    private Response<KeyVaultSecret> GetSecret(string version)
    {
        lock (_gate)
        {
            var (properties, value) = _versions.SingleOrDefault(v => v.Properties.Version == version);
            if (properties is null)
            {
                throw new RequestFailedException(404, $"Secret {SecretName}/{version} not found.");
            }

            return Response.FromValue(SecretModelFactory.KeyVaultSecret(properties, value), Mock.Of<Response>());
        }
    }
}

/// <summary>The real <see cref="KeyVaultSigningKeySource"/> under the real <see cref="SigningKeyCache"/>.</summary>
public sealed class KeyVaultSigningKeySourceTests
{
    private static readonly DateTimeOffset Start = AuthHarness.Start;

    private readonly MockVault _vault = new();
    private readonly AuthHarness _harness;

    private readonly KeyVaultSigningKeySource _source;

    public KeyVaultSigningKeySourceTests()
    {
        KeyVaultSigningKeySource? source = null;
        _harness = new AuthHarness(h => source = new KeyVaultSigningKeySource(_vault.Client.Object, h.KeyOptionsAccessor, h.Time));
        _source = source!;
    }

    private SigningKeyCache Cache => _harness.Keys;

    private async Task<bool> ValidatesAsync(TestKey key) => (await _harness.ValidateSignedAsync(_harness.Forge(key))).IsValid;

    [Fact]
    public async Task Newest_enabled_valid_version_signs_others_neither_sign_nor_validate_and_disabled_values_are_never_fetched()
    {
        var old = TestKey.Create("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a01");
        var current = TestKey.Create("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a02");
        var disabled = TestKey.Create("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a03");
        var expired = TestKey.Create("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a04");
        var future = TestKey.Create("0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a05");
        _vault.Add(old, Start.AddDays(-30));
        _vault.Add(current, Start.AddDays(-1));
        _vault.Add(disabled, Start.AddHours(-3), enabled: false);
        _vault.Add(expired, Start.AddHours(-2), expiresOn: Start.AddMinutes(-1));
        _vault.Add(future, Start.AddHours(-1), notBefore: Start.AddHours(1));

        var ring = await Cache.GetAsync(CancellationToken.None);

        Assert.Equal(current.Id, ring.Current.KeyId);
        Assert.Equal([current.Id, old.Id], ring.ValidationKeys.Select(k => k.KeyId));
        Assert.True(await ValidatesAsync(current));
        Assert.True(await ValidatesAsync(old));
        Assert.False(await ValidatesAsync(disabled));
        Assert.False(await ValidatesAsync(expired));
        Assert.False(await ValidatesAsync(future));
        _vault.VerifyFetched(disabled.Id, 0);
        _vault.VerifyFetched(expired.Id, 0);
        _vault.VerifyFetched(current.Id, 1);
        _vault.VerifyFetched(old.Id, 1);
    }

    [Fact]
    public async Task Issued_tokens_carry_the_vault_version_as_kid()
    {
        var current = TestKey.Create("c0ffee00c0ffee00c0ffee00c0ffee00");
        _vault.Add(current, Start.AddDays(-1));
        var (user, session) = await _harness.AddUserWithSessionAsync();

        var issued = await _harness.IssueAsync(user, session);

        Assert.Equal(current.Id, (string?)TokenForge.ReadHeader(issued.Token)["kid"]);
        Assert.True((await _harness.ValidateAsync(issued.Token)).IsValid);
    }

    [Fact]
    public async Task Known_values_are_not_fetched_again_on_refresh()
    {
        var a = TestKey.Create("version-a");
        var b = TestKey.Create("version-b");
        _vault.Add(a, Start.AddDays(-2));
        _vault.Add(b, Start.AddDays(-1));

        for (var refresh = 0; refresh < 5; refresh++)
        {
            await Cache.GetAsync(CancellationToken.None);
            _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        }

        _vault.VerifyListed(5);
        _vault.VerifyFetched(a.Id, 1);
        _vault.VerifyFetched(b.Id, 1);

        // A version added later is fetched once, on the refresh that first lists it.
        var c = TestKey.Create("version-c");
        _vault.Add(c, Start);
        await Cache.GetAsync(CancellationToken.None);
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        await Cache.GetAsync(CancellationToken.None);

        Assert.Equal(c.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        _vault.VerifyFetched(c.Id, 1);
        _vault.VerifyFetched(a.Id, 1);
    }

    [Fact]
    public async Task Version_disabled_in_the_vault_stops_validating_after_the_refresh_interval()
    {
        var old = TestKey.Create("version-old");
        var current = TestKey.Create("version-current");
        _vault.Add(old, Start.AddDays(-2));
        _vault.Add(current, Start.AddDays(-1));
        var token = _harness.Forge(old);
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid);

        _vault.Disable(old.Id);
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval - TimeSpan.FromSeconds(1));
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.False((await _harness.ValidateSignedAsync(token)).IsValid);
        Assert.True(await ValidatesAsync(current));
        // First load, the interval's refresh, and the one re-read the now unknown kid is allowed.
        _vault.VerifyListed(3);
    }

    [Fact]
    public async Task Unknown_kid_lists_the_vault_at_once_but_at_most_once_per_cooldown()
    {
        _vault.Add(TestKey.Create("version-current"), Start.AddDays(-1));
        await Cache.GetAsync(CancellationToken.None);
        var rotated = TestKey.Create("version-rotated");
        _vault.Add(rotated, Start);

        Assert.True(await ValidatesAsync(rotated));
        _vault.VerifyListed(2);

        var stranger = _harness.Forge(TestKey.Create("version-unknown"));
        for (var i = 0; i < 50; i++)
        {
            Assert.False((await _harness.ValidateSignedAsync(stranger)).IsValid);
        }

        _vault.VerifyListed(2);
        _harness.Time.Advance(_harness.KeyOptions.UnknownKeyRefreshCooldown);
        Assert.False((await _harness.ValidateSignedAsync(stranger)).IsValid);
        _vault.VerifyListed(3);
    }

    [Fact]
    public async Task Vault_outage_with_a_cache_keeps_serving_the_cached_keys()
    {
        var current = TestKey.Create("version-current");
        _vault.Add(current, Start.AddDays(-1));
        var (user, session) = await _harness.AddUserWithSessionAsync();
        var before = await _harness.IssueAsync(user, session);

        _vault.Outage = new RequestFailedException(503, "Service Unavailable");
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);

        var after = await _harness.IssueAsync(user, session);
        Assert.Equal(current.Id, after.Claims.KeyId);
        Assert.True((await _harness.ValidateAsync(before.Token)).IsValid);
        Assert.True((await _harness.ValidateAsync(after.Token)).IsValid);
        _vault.VerifyListed(2);
    }

    [Fact]
    public async Task Vault_outage_without_a_cache_throws_SigningKeysUnavailable_naming_vault_and_secret()
    {
        _vault.Outage = new RequestFailedException(403, "Caller is not authorized to perform action on resource.");

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains("unit-test-vault.vault.azure.net", error.Message, StringComparison.Ordinal);
        Assert.Contains(MockVault.SecretName, error.Message, StringComparison.Ordinal);
        Assert.IsType<RequestFailedException>(error.InnerException);
    }

    [Fact]
    public async Task Failing_value_fetch_without_a_cache_throws_SigningKeysUnavailable()
    {
        _vault.Add(TestKey.Create("version-current"), Start.AddDays(-1));
        _vault.Client.Setup(c => c.GetSecretAsync(MockVault.SecretName, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(403, "Forbidden: secrets/get not granted."));

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains("unit-test-vault.vault.azure.net", error.Message, StringComparison.Ordinal);
        Assert.Contains(MockVault.SecretName, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("this is not base64!")]
    [InlineData("c2hvcnQ=")]                                     // 5 bytes
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==")] // 31 bytes
    public async Task Malformed_or_short_vault_value_is_never_used(string value)
    {
        var good = TestKey.Create("version-good");
        _vault.Add(good, Start.AddDays(-1));
        _vault.Add("version-bad", value, Start);

        var ring = await Cache.GetAsync(CancellationToken.None);

        Assert.Equal(good.Id, ring.Current.KeyId);
        Assert.DoesNotContain(ring.ValidationKeys, k => k.KeyId == "version-bad");
    }

    [Theory]
    [InlineData("this is not base64!")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==")] // 31 bytes
    public async Task Malformed_or_short_value_as_the_only_version_throws_SigningKeysUnavailable(string value)
    {
        _vault.Add("version-bad", value, Start);

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains("unit-test-vault.vault.azure.net", error.Message, StringComparison.Ordinal);
        Assert.Contains(MockVault.SecretName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_thousand_tokens_within_one_refresh_interval_cost_one_vault_listing()
    {
        var current = TestKey.Create("version-current");
        _vault.Add(current, Start.AddDays(-1));
        var (user, session) = await _harness.AddUserWithSessionAsync();

        for (var i = 0; i < 1_000; i++)
        {
            var issued = await _harness.IssueAsync(user, session);
            var result = await _harness.ValidateAsync(issued.Token);
            Assert.True(result.IsValid, result.Error);
            _harness.Time.Advance(TimeSpan.FromMilliseconds(50)); // 50 s in all, inside the 60 s interval
        }

        _vault.VerifyListed(1);
        _vault.VerifyFetched(current.Id, 1);
        Assert.Equal(1, _vault.Client.Invocations.Count(i => i.Method.Name == nameof(SecretClient.GetSecretAsync)));
    }

    [Fact]
    public void Description_names_the_vault_and_the_secret()
    {
        Assert.Contains("unit-test-vault.vault.azure.net", _source.Description, StringComparison.Ordinal);
        Assert.Contains(MockVault.SecretName, _source.Description, StringComparison.Ordinal);
    }
}
