using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.Storage;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.Fakes;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.TestSupport;

/// <summary>
/// The token services wired by hand over in-memory stores, a fake clock and a key cache. By default
/// the keys come from an <see cref="InMemorySigningKeySource"/> holding one version, <see cref="Key"/>.
/// </summary>
public sealed class AuthHarness
{
    public static readonly DateTimeOffset Start = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    public const string Issuer = "https://auth.test.example/api/auth";
    public const string Audience = "https://api.test.example";

    /// <param name="keySource">Builds the key source from the harness (its clock and key options); null: the in-memory one.</param>
    /// <param name="mode">Strict by default, so that tests of the table rules read the tables; replica tests pass Replica.</param>
    /// <param name="key">The default source's one version; null: an ES256 key.</param>
    /// <param name="appliesOwnWrites">
    /// Whether the services publish through <see cref="LocallyAppliedRevocationFeed"/>, as in a serving host;
    /// by default straight to <see cref="Feed"/>, so that only polls reach <see cref="Replica"/>.
    /// </param>
    public AuthHarness(
        Func<AuthHarness, ISigningKeySource>? keySource = null,
        Action<AuthOptions>? configure = null,
        Action<SigningKeyOptions>? configureKeys = null,
        RevocationMode mode = RevocationMode.Strict,
        TestKey? key = null,
        bool appliesOwnWrites = false)
    {
        Key = key ?? TestKey.Create("key-version-1");
        Auth = new AuthOptions { Issuer = Issuer, Audience = Audience, PasswordHashIterations = 1000 };
        configure?.Invoke(Auth);
        KeyOptions = new SigningKeyOptions();
        configureKeys?.Invoke(KeyOptions);

        ISigningKeySource source;
        if (keySource is null)
        {
            var memory = new InMemorySigningKeySource();
            memory.Add(new SigningKeyVersion(Key.Id, true, Start - TimeSpan.FromDays(1), Value: Key.Value));
            MemorySource = memory;
            source = memory;
        }
        else
        {
            source = keySource(this);
        }

        var authOptions = Options.Create(Auth);
        RevocationOptions.Mode = mode;
        var revocationOptions = Options.Create(RevocationOptions);
        Keys = new SigningKeyCache(source, KeyOptionsAccessor, Options.Create(Storage), Time, NullLogger<SigningKeyCache>.Instance);
        Window = new RevocationWindow(authOptions, Options.Create(Storage));
        Replica = new RevocationReplica(Window, revocationOptions, authOptions, Time);
        Follower = new RevocationFeedFollower(Feed, Replica, Window, Keys, revocationOptions, Time, NullLogger<RevocationFeedFollower>.Instance) { FullReadPhase = 1 };
        Revocation = new TokenRevocationCheck(RevokedTokens, Sessions, Users, SessionCutoff, Replica, revocationOptions, authOptions, Time);
        TokenIssuer = new AccessTokenIssuer(Keys, authOptions, Time);
        Validator = new AccessTokenValidator(Keys, Revocation, authOptions, Time);
        IRevocationFeed publishTo = appliesOwnWrites ? new LocallyAppliedRevocationFeed(Feed, Replica, Keys) : Feed;
        SessionService = new SessionService(Sessions, Users, SessionCutoff, publishTo, authOptions, Time);
        Logout = new Logout.LogoutService(SessionService, RevokedTokens, Validator, Revocation, publishTo, Time);
    }

    public StorageOptions Storage { get; } = new();

    public RevocationOptions RevocationOptions { get; } = new();

    public InMemoryRevocationFeed Feed { get; } = new();

    public RevocationWindow Window { get; }

    public RevocationReplica Replica { get; }

    public RevocationFeedFollower Follower { get; }

    public SessionService SessionService { get; }

    public Logout.LogoutService Logout { get; }

    /// <summary>One poll of the feed, as the background follower does every poll interval.</summary>
    public Task PollAsync() => Follower.PollOnceAsync(CancellationToken.None);

    public FakeTimeProvider Time { get; } = new(Start);

    public AuthOptions Auth { get; }

    public SigningKeyOptions KeyOptions { get; }

    public IOptions<SigningKeyOptions> KeyOptionsAccessor => Options.Create(KeyOptions);

    /// <summary>The one version of the default source.</summary>
    public TestKey Key { get; }

    public InMemorySigningKeySource? MemorySource { get; }

    public SigningKeyCache Keys { get; }

    public InMemoryUserStore Users { get; } = new();

    public InMemorySessionStore Sessions { get; } = new();

    public InMemoryRevokedTokenStore RevokedTokens { get; } = new();

    public InMemorySessionCutoffStore SessionCutoff { get; } = new();

    public TokenRevocationCheck Revocation { get; }

    public AccessTokenIssuer TokenIssuer { get; }

    public AccessTokenValidator Validator { get; }

    public static UserAccount NewUser(string username = "alice") => new()
    {
        Id = UserAccount.NewId(),
        Username = username,
        NormalizedUsername = username.ToLowerInvariant(),
        PasswordHash = "unused",
        CreatedAt = Start - TimeSpan.FromDays(30),
    };

    public static string NewSessionId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public static string NewTokenId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    /// <summary>A stored user with a live session started now.</summary>
    public async Task<(UserAccount User, Session Session)> AddUserWithSessionAsync(string username = "alice")
    {
        var user = NewUser(username);
        Users.Add(user);
        var now = Time.GetUtcNow();
        var session = new Session
        {
            UserId = user.Id,
            Id = NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + Auth.SessionAbsoluteLifetime,
        };
        await Sessions.CreateAsync(session, CancellationToken.None);
        return (user, session);
    }

    public Task<IssuedAccessToken> IssueAsync(UserAccount user, Session session) =>
        TokenIssuer.IssueAsync(user, session, CancellationToken.None);

    public Task<AccessTokenValidation> ValidateAsync(string token) => Validator.ValidateAsync(token, CancellationToken.None);

    public Task<AccessTokenValidation> ValidateSignedAsync(string token) => Validator.ValidateSignedTokenAsync(token, CancellationToken.None);

    /// <summary>The claims the issuer would write for this user and session at the current fake time.</summary>
    public JsonObject Payload(UserAccount user, Session session) => Payload(user.Id, session.Id, user.Username);

    public JsonObject Payload(string sub, string sid, string name = "alice")
    {
        var now = Time.GetUtcNow().ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = Audience,
            ["sub"] = sub,
            ["name"] = name,
            ["sid"] = sid,
            ["jti"] = NewTokenId(),
            ["iat"] = now,
            ["auth_time"] = now,
            ["nbf"] = now,
            ["exp"] = now + (long)Auth.AccessTokenLifetime.TotalSeconds,
        };
    }

    /// <summary>A payload for a made-up user and session (enough for signature-only validation).</summary>
    public JsonObject Payload() => Payload(UserAccount.NewId(), NewSessionId());

    /// <summary>A token of the right shape signed with <paramref name="key"/>, in the key's own algorithm.</summary>
    public string Forge(TestKey key, JsonObject? payload = null) =>
        TokenForge.Signed(TokenForge.Header(key.Id, key.Algorithm), payload ?? Payload(), key);
}
