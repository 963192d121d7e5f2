using ServerlessAuth.Sessions;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Sessions;

public sealed class SessionCookieValueTests
{
    private const string UserId = "0123456789abcdef0123456789abcdef";        // 32 lower-case hex
    private const string SessionId = "AbCdEfGhIjKlMnOpQr-_09";                // 22 base64url
    private const string Secret = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM-_01"; // 43 base64url
    private const string Valid = $"{UserId}.{SessionId}.{Secret}";

    private static Session StoredFor(SessionCookieValue cookie) => new()
    {
        UserId = cookie.UserId,
        Id = cookie.SessionId,
        SecretHash = cookie.SecretHash(),
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastSeenAt = DateTimeOffset.UnixEpoch,
        ExpiresAt = DateTimeOffset.UnixEpoch.AddHours(1),
    };

    [Fact]
    public void Exact_shape_is_accepted_and_split_into_its_parts()
    {
        Assert.Equal(32 + 1 + 22 + 1 + 43, Valid.Length);

        Assert.True(SessionCookieValue.TryParse(Valid, out var cookie));

        Assert.Equal(UserId, cookie.UserId);
        Assert.Equal(SessionId, cookie.SessionId);
        Assert.Equal(Secret, cookie.Secret);
        Assert.Equal(Valid, cookie.ToString());
    }

    [Fact]
    public void Created_values_round_trip()
    {
        for (var i = 0; i < 200; i++)
        {
            var created = SessionCookieValue.Create(UserAccount.NewId());

            Assert.True(SessionCookieValue.TryParse(created.ToString(), out var parsed), created.ToString());
            Assert.Equal(created, parsed);
        }
    }

    public static TheoryData<string?> Rejected => new()
    {
        null,
        "",
        Valid[..^1],                                                  // one short
        Valid + "A",                                                  // one long
        $"{UserId}0.{SessionId}.{Secret[..^1]}",                      // right total, user id too long
        $"{UserId[..^1]}.{SessionId}0.{Secret}",                      // right total, session id too long
        $"{UserId}.{SessionId[..^1]}.{Secret}0",                      // right total, secret too long
        $"{UserId}.{SessionId}{Secret}.",                             // right total, dots misplaced
        $"{UserId}.{SessionId}.{Secret[..^2]}.A",                     // a third dot
        $"{UserId}..{SessionId}{Secret}",                             // empty part
        $"{UserId}.{SessionId[..^1]}=.{Secret}",                      // padding
        $"{UserId}.{SessionId[..^1]}+.{Secret}",                      // base64, not base64url
        $"{UserId}.{SessionId}.{Secret[..^1]}/",                      // base64, not base64url
        $"{UserId}.{SessionId}.{Secret[..^1]} ",                      // space
        $"{UserId}.{SessionId}.{Secret[..^1]}é",                      // non-ASCII letter
        $"{UserId.ToUpperInvariant()}.{SessionId}.{Secret}",          // upper-case hex
        $"{UserId[..^1]}A.{SessionId}.{Secret}",                      // one upper-case hex digit
        $"{UserId[..^1]}g.{SessionId}.{Secret}",                      // not hex
        $"{UserId}.{SessionId}.{Secret}".Replace('.', ';'),           // other separator
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Anything_else_is_rejected(string? value)
    {
        Assert.False(SessionCookieValue.TryParse(value, out var cookie));
        Assert.Null(cookie);
    }

    [Fact]
    public void Matches_the_session_it_was_created_for()
    {
        var cookie = SessionCookieValue.Create(UserAccount.NewId());

        Assert.True(cookie.Matches(StoredFor(cookie)));
    }

    [Fact]
    public void Does_not_match_with_a_different_secret()
    {
        var cookie = SessionCookieValue.Create(UserAccount.NewId());
        var stored = StoredFor(cookie);
        var forged = cookie with { Secret = SessionCookieValue.Create(cookie.UserId).Secret };

        Assert.False(forged.Matches(stored));
    }

    [Fact]
    public void Does_not_match_another_users_or_another_sessions_record()
    {
        var cookie = SessionCookieValue.Create(UserAccount.NewId());
        var stored = StoredFor(cookie);

        Assert.False(cookie.Matches(stored with { UserId = UserAccount.NewId() }));
        Assert.False(cookie.Matches(stored with { Id = SessionCookieValue.Create(cookie.UserId).SessionId }));
    }

    [Fact]
    public void Only_a_hash_of_the_secret_is_stored()
    {
        var cookie = SessionCookieValue.Create(UserAccount.NewId());

        var hash = cookie.SecretHash();

        Assert.Equal(32, hash.Length);
        Assert.NotEqual(System.Text.Encoding.ASCII.GetBytes(cookie.Secret), hash);
        Assert.Equal(hash, cookie.SecretHash());
    }

    [Theory]
    [InlineData("AbCdEfGhIjKlMnOpQr-_09", true)]
    [InlineData("AbCdEfGhIjKlMnOpQr-_0", false)]
    [InlineData("AbCdEfGhIjKlMnOpQr-_090", false)]
    [InlineData("AbCdEfGhIjKlMnOpQr+/09", false)]
    [InlineData(null, false)]
    public void IsSessionId(string? value, bool expected) => Assert.Equal(expected, SessionCookieValue.IsSessionId(value));

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", false)]
    [InlineData("0123456789abcdef0123456789abcde", false)]
    [InlineData("01234567-89ab-cdef-0123-456789abcdef", false)]
    [InlineData(null, false)]
    public void IsUserId(string? value, bool expected) => Assert.Equal(expected, SessionCookieValue.IsUserId(value));
}
