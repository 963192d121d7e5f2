using System.Buffers.Binary;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ServerlessAuth.UnitTests.Fakes;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Users;

public sealed class PasswordAuthenticatorTests
{
    private const string Password = "correct horse battery staple";

    private readonly AuthOptions _options = new() { Issuer = "https://auth.test.example/api/auth", Audience = "https://api.test.example", PasswordHashIterations = 1000 };
    private readonly InMemoryUserStore _users = new();
    private readonly PasswordHasher<UserAccount> _hasher;
    private readonly PasswordAuthenticator _authenticator;

    public PasswordAuthenticatorTests()
    {
        _hasher = HasherWith(_options.PasswordHashIterations);
        _authenticator = new PasswordAuthenticator(_users, _hasher, PasswordHashGateTests.Gate(_options));
    }

    /// <summary>As the core's registration builds it: Identity V3 format with the configured iterations.</summary>
    private static PasswordHasher<UserAccount> HasherWith(int iterations) =>
        new(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = iterations,
        }));

    /// <summary>The iteration count written into an Identity V3 hash (big-endian, after marker and PRF).</summary>
    private static int IterationsOf(string hash) => (int)BinaryPrimitives.ReadUInt32BigEndian(Convert.FromBase64String(hash).AsSpan(5, 4));

    private UserAccount AddUser(string username = "alice", bool disabled = false, PasswordHasher<UserAccount>? hasher = null)
    {
        var user = new UserAccount
        {
            Id = UserAccount.NewId(),
            Username = username,
            NormalizedUsername = username,
            PasswordHash = "",
            Disabled = disabled,
        };
        user = user with { PasswordHash = (hasher ?? _hasher).HashPassword(user, Password) };
        _users.Add(user);
        return user;
    }

    [Fact]
    public async Task Right_password_returns_the_user_without_rehashing()
    {
        var user = AddUser();

        var result = await _authenticator.AuthenticateAsync("alice", Password, CancellationToken.None);

        Assert.Equal(user, result);
        Assert.Equal(0, _users.PasswordHashUpdates);
    }

    [Fact]
    public async Task Unknown_user_returns_null()
    {
        AddUser();

        Assert.Null(await _authenticator.AuthenticateAsync("mallory", Password, CancellationToken.None));
    }

    [Fact]
    public async Task Disabled_user_returns_null_even_with_the_right_password()
    {
        AddUser(disabled: true);

        Assert.Null(await _authenticator.AuthenticateAsync("alice", Password, CancellationToken.None));
    }

    [Theory]
    [InlineData("Correct horse battery staple")]
    [InlineData("correct horse battery staple ")]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task Wrong_password_returns_null(string password)
    {
        AddUser();

        Assert.Null(await _authenticator.AuthenticateAsync("alice", password, CancellationToken.None));
        Assert.Equal(0, _users.PasswordHashUpdates);
    }

    [Fact]
    public async Task Wrong_password_for_a_disabled_user_and_an_unknown_user_look_alike()
    {
        AddUser("bob", disabled: true);

        Assert.Null(await _authenticator.AuthenticateAsync("bob", "wrong", CancellationToken.None));
        Assert.Null(await _authenticator.AuthenticateAsync("nobody", "wrong", CancellationToken.None));
    }

    [Fact]
    public async Task Hash_with_fewer_iterations_than_configured_is_replaced_at_login()
    {
        var weak = HasherWith(_options.PasswordHashIterations / 2);
        var user = AddUser(hasher: weak);
        Assert.Equal(500, IterationsOf(user.PasswordHash));

        var result = await _authenticator.AuthenticateAsync("alice", Password, CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal(1, _users.PasswordHashUpdates);
        var stored = _users[user.Id]!.PasswordHash;
        Assert.NotEqual(user.PasswordHash, stored);
        Assert.Equal(stored, result.PasswordHash);
        Assert.Equal(_options.PasswordHashIterations, IterationsOf(stored));
        Assert.Equal(PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(result, stored, Password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(result, stored, "wrong"));

        // The next login finds nothing to upgrade.
        Assert.NotNull(await _authenticator.AuthenticateAsync("alice", Password, CancellationToken.None));
        Assert.Equal(1, _users.PasswordHashUpdates);
    }

    [Fact]
    public async Task Wrong_password_against_an_old_hash_does_not_rehash()
    {
        AddUser(hasher: HasherWith(500));

        Assert.Null(await _authenticator.AuthenticateAsync("alice", "wrong", CancellationToken.None));
        Assert.Equal(0, _users.PasswordHashUpdates);
    }

    [Fact]
    public async Task Disabled_user_with_an_old_hash_is_not_rehashed()
    {
        AddUser(disabled: true, hasher: HasherWith(500));

        Assert.Null(await _authenticator.AuthenticateAsync("alice", Password, CancellationToken.None));
        Assert.Equal(0, _users.PasswordHashUpdates);
    }
}
