using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth.Benchmarks;

/// <summary>
/// CPU cost of the token path without storage: issuing; validating signature, header and claims; and
/// the full Replica-mode validation of a protected request (plus the revocation state, in memory),
/// beside the bare library call on the same token as the baseline of the same run. Run for ES256 (the
/// default for new deployments) and HS256, so the cost of the asymmetric signature shows beside the HMAC.
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private static readonly JsonWebTokenHandler BareHandler = new() { MapInboundClaims = false };

    private AccessTokenIssuer _issuer = null!;
    private AccessTokenValidator _validator = null!;
    private TokenValidationParameters _bareParameters = null!;
    private UserAccount _user = null!;
    private Session _session = null!;
    private string _token = "";

    /// <summary>Revoked tokens and ended sessions the replica holds while the benchmark runs.</summary>
    [Params(10_000)]
    public int ReplicaEntries { get; set; }

    /// <summary>The algorithm of the one signing key version.</summary>
    [Params(SigningKeyMaterial.Es256, SigningKeyMaterial.Hs256)]
    public string Algorithm { get; set; } = SigningKeyMaterial.Es256;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // A frozen clock: the replica stays current and the token unexpired however long the run takes.
        var time = new FrozenTime(DateTimeOffset.UtcNow);
        var auth = Options.Create(new AuthOptions { Issuer = "https://bench/api/auth", Audience = "bench" });
        var storage = Options.Create(new StorageOptions());
        var revocationOptions = Options.Create(new RevocationOptions { Mode = RevocationMode.Replica });
        var source = new OneKeySource(time.GetUtcNow(), Algorithm);
        var keys = new SigningKeyCache(source, Options.Create(new SigningKeyOptions()), storage, time, NullLogger<SigningKeyCache>.Instance);
        _issuer = new AccessTokenIssuer(keys, auth, time);

        var replica = new RevocationReplica(new RevocationWindow(auth, storage), revocationOptions, auth, time);
        var now = time.GetUtcNow();
        replica.Apply(Enumerable.Range(0, ReplicaEntries).SelectMany(i => new[]
        {
            RevocationEvent.TokenRevoked($"revoked-token-{i:D12}", now.AddMinutes(5), now),
            RevocationEvent.SessionEnded($"user-{i}", $"ended-session-{i:D10}", now),
        }), now);

        // Replica mode never calls the stores for a token it can decide.
        var revocation = new TokenRevocationCheck(null!, null!, null!, null!, replica, revocationOptions, auth, time);
        _validator = new AccessTokenValidator(keys, revocation, auth, time);
        _user = new UserAccount { Id = UserAccount.NewId(), Username = "bench", NormalizedUsername = "bench", PasswordHash = "" };
        var cookie = SessionCookieValue.Create(_user.Id);
        _session = new Session { UserId = _user.Id, Id = cookie.SessionId, SecretHash = cookie.SecretHash(), CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1) };
        _token = (await _issuer.IssueAsync(_user, _session, default)).Token;

        var ring = await keys.GetAsync(default);
        _bareParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [Algorithm],
            ValidTypes = [AccessTokenShape.Type],
            ValidIssuer = "https://bench/api/auth",
            ValidAudience = "bench",
            IssuerSigningKeys = ring.ValidationKeys,
            LifetimeValidator = (_, expires, _, _) => expires > time.GetUtcNow().UtcDateTime,
        };

        if (!(await _validator.ValidateAsync(_token, default)).IsValid || !(await BareHandler.ValidateTokenAsync(_token, _bareParameters)).IsValid)
        {
            throw new InvalidOperationException("The benchmark token must be valid for both.");
        }
    }

    [Benchmark]
    public Task<IssuedAccessToken> Issue() => _issuer.IssueAsync(_user, _session, default);

    /// <summary>The baseline: the JWT library alone, same token, same key, issuer, audience and type.</summary>
    [Benchmark(Baseline = true)]
    public Task<TokenValidationResult> BareHandlerValidate() => BareHandler.ValidateTokenAsync(_token, _bareParameters);

    [Benchmark]
    public Task<AccessTokenValidation> ValidateSignature() => _validator.ValidateSignedTokenAsync(_token, default);

    /// <summary>What a protected request pays in Replica mode: everything, revocation state included.</summary>
    [Benchmark]
    public Task<AccessTokenValidation> ValidateReplicaMode() => _validator.ValidateAsync(_token, default);

    private sealed class OneKeySource(DateTimeOffset now, string algorithm) : ISigningKeySource
    {
        private readonly SigningKeyVersion _version = new("bench", true, now.AddDays(-1), Value: SigningKeyMaterial.Generate(algorithm));

        public string Description => "benchmark key";

        public Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SigningKeyVersion>>([_version]);
    }

    private sealed class FrozenTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

/// <summary>What one login costs in CPU: a PBKDF2-HMAC-SHA512 verification at the configured iterations.</summary>
public class PasswordBenchmarks
{
    private readonly UserAccount _user = new() { Id = "u", Username = "u", NormalizedUsername = "u", PasswordHash = "" };
    private PasswordHasher<UserAccount> _hasher = null!;
    private string _hash = "";

    [Params(210_000)]
    public int Iterations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _hasher = new PasswordHasher<UserAccount>(Options.Create(new PasswordHasherOptions { IterationCount = Iterations }));
        _hash = _hasher.HashPassword(_user, "correct horse battery staple");
    }

    [Benchmark]
    public PasswordVerificationResult Verify() => _hasher.VerifyHashedPassword(_user, _hash, "correct horse battery staple");
}
