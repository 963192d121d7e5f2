using Moq;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.SigningKeys;

/// <summary>The cache over a mocked source: which versions sign and validate, and when the source is called.</summary>
public sealed class SigningKeyCacheTests
{
    private const string SourceDescription = "Key Vault https://unit-vault.vault.azure.net/ secret 'jwt-signing-key'";
    private static readonly DateTimeOffset Start = AuthHarness.Start;

    private readonly Mock<ISigningKeySource> _source = new(MockBehavior.Strict);
    private readonly List<IReadOnlyDictionary<string, string>> _knownValuesSeen = [];
    private readonly AuthHarness _harness;
    private List<SigningKeyVersion> _versions = [];
    private Exception? _failure;

    public SigningKeyCacheTests()
    {
        _source.SetupGet(s => s.Description).Returns(SourceDescription);
        _source.Setup(s => s.LoadAsync(It.IsAny<IReadOnlyDictionary<string, string>>(), It.IsAny<CancellationToken>()))
            .Returns((IReadOnlyDictionary<string, string> known, CancellationToken _) =>
            {
                _knownValuesSeen.Add(new Dictionary<string, string>(known));
                return _failure is { } failure
                    ? Task.FromException<IReadOnlyList<SigningKeyVersion>>(failure)
                    : Task.FromResult<IReadOnlyList<SigningKeyVersion>>(_versions.ToList());
            });
        _harness = new AuthHarness(_ => _source.Object);
    }

    private SigningKeyCache Cache => _harness.Keys;

    private static SigningKeyVersion Version(TestKey key, DateTimeOffset createdOn, bool enabled = true,
        DateTimeOffset? notBefore = null, DateTimeOffset? expiresOn = null) =>
        new(key.Id, enabled, createdOn, notBefore, expiresOn, key.Value);

    private void VerifyLoads(int times) =>
        _source.Verify(s => s.LoadAsync(It.IsAny<IReadOnlyDictionary<string, string>>(), It.IsAny<CancellationToken>()), Times.Exactly(times));

    private async Task<bool> ValidatesAsync(TestKey key) => (await _harness.ValidateSignedAsync(_harness.Forge(key))).IsValid;

    [Fact]
    public async Task Newest_enabled_currently_valid_version_signs_and_every_usable_version_validates()
    {
        var old = TestKey.Create("v-old");
        var current = TestKey.Create("v-current");
        var disabled = TestKey.Create("v-disabled");
        var expired = TestKey.Create("v-expired");
        var future = TestKey.Create("v-future");
        _versions =
        [
            Version(old, Start.AddDays(-10)),
            Version(current, Start.AddDays(-1)),
            Version(expired, Start.AddHours(-2), expiresOn: Start.AddMinutes(-1)),
            Version(disabled, Start.AddHours(-1), enabled: false),
            Version(future, Start.AddMinutes(-5), notBefore: Start.AddHours(1)),
        ];

        var ring = await Cache.GetAsync(CancellationToken.None);

        Assert.Equal(current.Id, ring.Current.KeyId);
        Assert.Equal([current.Id, old.Id], ring.ValidationKeys.Select(k => k.KeyId));
        Assert.True(await ValidatesAsync(current));
        Assert.True(await ValidatesAsync(old));
        Assert.False(await ValidatesAsync(disabled));
        Assert.False(await ValidatesAsync(expired));
        Assert.False(await ValidatesAsync(future));
    }

    [Fact]
    public async Task A_refused_version_is_refused_as_an_unknown_key()
    {
        var current = TestKey.Create("v-current");
        var disabled = TestKey.Create("v-disabled");
        _versions = [Version(current, Start.AddDays(-1)), Version(disabled, Start, enabled: false)];

        var result = await _harness.ValidateSignedAsync(_harness.Forge(disabled));

        Assert.Equal("The token is signed with an unknown or retired key.", result.Error);
    }

    [Fact]
    public async Task Not_yet_valid_version_starts_signing_once_its_NotBefore_has_passed_without_a_reload()
    {
        var current = TestKey.Create("v-current");
        var next = TestKey.Create("v-next");
        _versions = [Version(current, Start.AddDays(-1)), Version(next, Start, notBefore: Start.AddSeconds(30))];

        Assert.Equal(current.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        _harness.Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(next.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        VerifyLoads(1);
    }

    [Fact]
    public async Task Version_expiring_between_refreshes_stops_signing_and_validating_at_ExpiresOn()
    {
        var older = TestKey.Create("v-older");
        var expiring = TestKey.Create("v-expiring");
        _versions = [Version(older, Start.AddDays(-2)), Version(expiring, Start.AddDays(-1), expiresOn: Start.AddSeconds(10))];
        Assert.Equal(expiring.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        var token = _harness.Forge(expiring);

        _harness.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(older.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        Assert.False((await _harness.ValidateSignedAsync(token)).IsValid);
    }

    [Fact]
    public async Task Source_is_read_once_per_refresh_interval()
    {
        var key = TestKey.Create("v1");
        _versions = [Version(key, Start.AddDays(-1))];

        for (var i = 0; i < 20; i++)
        {
            await Cache.GetAsync(CancellationToken.None);
            _harness.Time.Advance(TimeSpan.FromSeconds(2)); // 40 s in all, inside the 60 s interval
        }

        VerifyLoads(1);

        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval - TimeSpan.FromSeconds(40));
        await Cache.GetAsync(CancellationToken.None);
        VerifyLoads(2);
    }

    [Fact]
    public async Task Refresh_passes_the_known_values_so_the_source_need_not_fetch_them_again()
    {
        var a = TestKey.Create("v-a");
        var b = TestKey.Create("v-b");
        var off = TestKey.Create("v-off");
        _versions = [Version(a, Start.AddDays(-2)), Version(b, Start.AddDays(-1)), Version(off, Start, enabled: false)];

        await Cache.GetAsync(CancellationToken.None);
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        await Cache.GetAsync(CancellationToken.None);

        Assert.Empty(_knownValuesSeen[0]);
        Assert.Equal(new Dictionary<string, string> { [a.Id] = a.Value, [b.Id] = b.Value }, _knownValuesSeen[1]);
    }

    [Fact]
    public async Task Version_disabled_in_the_source_stops_validating_after_the_next_refresh()
    {
        var old = TestKey.Create("v-old");
        var current = TestKey.Create("v-current");
        _versions = [Version(old, Start.AddDays(-2)), Version(current, Start.AddDays(-1))];
        var token = _harness.Forge(old);
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid);

        _versions = [Version(old, Start.AddDays(-2), enabled: false), Version(current, Start.AddDays(-1))];
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval - TimeSpan.FromSeconds(1));
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid); // not refreshed yet: bounded staleness

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var result = await _harness.ValidateSignedAsync(token);

        Assert.Equal("The token is signed with an unknown or retired key.", result.Error);
        Assert.True(await ValidatesAsync(current));
    }

    [Fact]
    public async Task Unknown_kid_refreshes_at_once_but_at_most_once_per_cooldown()
    {
        var current = TestKey.Create("v-current");
        _versions = [Version(current, Start.AddDays(-1))];
        await Cache.GetAsync(CancellationToken.None);
        VerifyLoads(1);
        var stranger = _harness.Forge(TestKey.Create("v-unknown"));

        for (var i = 0; i < 10; i++)
        {
            Assert.False((await _harness.ValidateSignedAsync(stranger)).IsValid);
        }

        VerifyLoads(2);

        _harness.Time.Advance(_harness.KeyOptions.UnknownKeyRefreshCooldown - TimeSpan.FromMilliseconds(1));
        Assert.False((await _harness.ValidateSignedAsync(stranger)).IsValid);
        VerifyLoads(2);

        _harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False((await _harness.ValidateSignedAsync(stranger)).IsValid);
        VerifyLoads(3);
    }

    [Fact]
    public async Task A_version_created_since_the_last_refresh_validates_at_once_through_the_unknown_kid_refresh()
    {
        var current = TestKey.Create("v-current");
        _versions = [Version(current, Start.AddDays(-1))];
        await Cache.GetAsync(CancellationToken.None);

        // Another instance rotated and already signs with the new version.
        var rotated = TestKey.Create("v-rotated");
        _versions = [.. _versions, Version(rotated, Start)];

        Assert.True(await ValidatesAsync(rotated));
        VerifyLoads(2);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_load()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = TestKey.Create("v1");
        var calls = 0;
        var source = new Mock<ISigningKeySource>();
        source.SetupGet(s => s.Description).Returns(SourceDescription);
        source.Setup(s => s.LoadAsync(It.IsAny<IReadOnlyDictionary<string, string>>(), It.IsAny<CancellationToken>()))
            .Returns(async () =>
            {
                Interlocked.Increment(ref calls);
                await gate.Task;
                return (IReadOnlyList<SigningKeyVersion>)[Version(key, Start.AddDays(-1))];
            });
        var harness = new AuthHarness(_ => source.Object);

        var callers = Enumerable.Range(0, 16).Select(_ => harness.Keys.GetAsync(CancellationToken.None).AsTask()).ToList();
        gate.SetResult();
        var rings = await Task.WhenAll(callers);

        Assert.All(rings, r => Assert.Equal(key.Id, r.Current.KeyId));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Source_outage_with_a_cache_keeps_serving_the_cached_keys()
    {
        var current = TestKey.Create("v-current");
        _versions = [Version(current, Start.AddDays(-1))];
        var token = _harness.Forge(current);
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid);

        _failure = new HttpRequestException("vault unreachable");
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);

        var ring = await Cache.GetAsync(CancellationToken.None);
        Assert.Equal(current.Id, ring.Current.KeyId);
        Assert.True((await _harness.ValidateSignedAsync(token)).IsValid);
        VerifyLoads(2);

        // A failed refresh also waits a full interval before the next attempt.
        await Cache.GetAsync(CancellationToken.None);
        VerifyLoads(2);

        // And the source is used again once it is back.
        _failure = null;
        var rotated = TestKey.Create("v-rotated");
        _versions = [.. _versions, Version(rotated, Start)];
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        Assert.Equal(rotated.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
    }

    [Fact]
    public async Task Source_outage_without_a_cache_throws_SigningKeysUnavailable_naming_the_source()
    {
        _failure = new HttpRequestException("vault unreachable");

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains(SourceDescription, error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);

        // Validation and issuing fail closed the same way: an exception, never an answer.
        await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => _harness.ValidateSignedAsync(_harness.Forge(TestKey.Create("v1"))));
    }

    [Fact]
    public async Task Source_outage_without_a_cache_is_not_retried_per_request_but_after_the_cooldown()
    {
        _failure = new HttpRequestException("vault unreachable");
        await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        _failure = null;
        var key = TestKey.Create("v1");
        _versions = [Version(key, Start.AddDays(-1))];

        // Within the cooldown the failure is the answer: requests do not hammer a failing source.
        _harness.Time.Advance(_harness.KeyOptions.UnknownKeyRefreshCooldown - TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());
        }

        VerifyLoads(1);

        _harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(key.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        VerifyLoads(2);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("c2hvcnQ=")]                                     // "short": 5 bytes
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==")] // 31 bytes
    public async Task Malformed_or_short_value_is_never_used_as_a_key(string value)
    {
        var good = TestKey.Create("v-good");
        var bad = new SigningKeyVersion("v-bad", true, Start, Value: value);
        _versions = [Version(good, Start.AddDays(-1)), bad];

        var ring = await Cache.GetAsync(CancellationToken.None);

        Assert.Equal(good.Id, ring.Current.KeyId);
        Assert.DoesNotContain(ring.ValidationKeys, k => k.KeyId == bad.Id);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==")] // 31 bytes
    public async Task Malformed_or_short_value_as_the_only_version_means_no_keys(string value)
    {
        _versions = [new SigningKeyVersion("v-bad", true, Start, Value: value)];

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains(SourceDescription, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_32_byte_value_is_accepted_as_an_HS256_key()
    {
        var key = TestKey.Hs256("v-32", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        _versions = [Version(key, Start)];

        Assert.Equal("v-32", (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
        Assert.True(await ValidatesAsync(key));
    }

    [Fact]
    public async Task Enabled_version_without_a_value_is_not_used()
    {
        var good = TestKey.Create("v-good");
        _versions = [Version(good, Start.AddDays(-1)), new SigningKeyVersion("v-no-value", true, Start)];

        Assert.Equal(good.Id, (await Cache.GetAsync(CancellationToken.None)).Current.KeyId);
    }

    [Fact]
    public async Task No_usable_version_throws_SigningKeysUnavailable()
    {
        _versions = [Version(TestKey.Create("v-off"), Start, enabled: false)];

        var error = await Assert.ThrowsAsync<SigningKeysUnavailableException>(() => Cache.GetAsync(CancellationToken.None).AsTask());

        Assert.Contains(SourceDescription, error.Message, StringComparison.Ordinal);
    }
}
