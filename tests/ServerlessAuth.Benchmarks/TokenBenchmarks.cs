using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth.Benchmarks;

/// <summary>
/// CPU cost of the token path without storage: issuing, and validating signature, header and claims
/// (what every protected request pays before its one storage round trip).
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private AccessTokenIssuer _issuer = null!;
    private AccessTokenValidator _validator = null!;
    private UserAccount _user = null!;
    private Session _session = null!;
    private string _token = "";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var auth = Options.Create(new AuthOptions { Issuer = "https://bench", Audience = "bench" });
        var keys = new SigningKeyCache(new OneKeySource(), Options.Create(new SigningKeyOptions()), TimeProvider.System, NullLogger<SigningKeyCache>.Instance);
        _issuer = new AccessTokenIssuer(keys, auth, TimeProvider.System);
        // The revocation check is not run by ValidateSignedTokenAsync; its stores are never called here.
        var revocation = new TokenRevocationCheck(null!, null!, null!, null!, auth, TimeProvider.System);
        _validator = new AccessTokenValidator(keys, revocation, auth, TimeProvider.System);
        _user = new UserAccount { Id = UserAccount.NewId(), Username = "bench", NormalizedUsername = "bench", PasswordHash = "" };
        var cookie = SessionCookieValue.Create(_user.Id);
        var now = DateTimeOffset.UtcNow;
        _session = new Session { UserId = _user.Id, Id = cookie.SessionId, SecretHash = cookie.SecretHash(), CreatedAt = now, LastSeenAt = now, ExpiresAt = now.AddHours(1) };
        _token = (await _issuer.IssueAsync(_user, _session, default)).Token;
    }

    [Benchmark]
    public Task<IssuedAccessToken> Issue() => _issuer.IssueAsync(_user, _session, default);

    [Benchmark]
    public Task<AccessTokenValidation> ValidateSignature() => _validator.ValidateSignedTokenAsync(_token, default);

    private sealed class OneKeySource : ISigningKeySource
    {
        private readonly SigningKeyVersion _version = new("bench", true, DateTimeOffset.UtcNow.AddDays(-1), Value: SigningKeyMaterial.Generate());

        public string Description => "benchmark key";

        public Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SigningKeyVersion>>([_version]);
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
