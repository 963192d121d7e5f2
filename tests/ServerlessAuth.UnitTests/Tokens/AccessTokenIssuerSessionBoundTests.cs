using ServerlessAuth.Sessions;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Tokens;

/// <summary>What the issuer takes from the session: exp never past its absolute end, auth_time its start.</summary>
public sealed class AccessTokenIssuerSessionBoundTests
{
    private readonly AuthHarness _harness = new(configure: o => o.AccessTokenLifetime = TimeSpan.FromMinutes(10));

    private static long Seconds(DateTimeOffset t) => t.ToUnixTimeSeconds();

    private async Task<(UserAccount User, Session Session)> SessionAsync(DateTimeOffset createdAt, DateTimeOffset expiresAt)
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var session = new Session
        {
            UserId = user.Id,
            Id = AuthHarness.NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = createdAt,
            LastSeenAt = _harness.Time.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        await _harness.Sessions.CreateAsync(session, CancellationToken.None);
        return (user, session);
    }

    [Fact]
    public async Task Token_of_a_session_ending_in_two_minutes_expires_at_the_sessions_end_rounded_up_to_the_second()
    {
        _harness.Time.Advance(TimeSpan.FromMilliseconds(750));
        var now = _harness.Time.GetUtcNow();
        var (user, session) = await SessionAsync(now - TimeSpan.FromHours(1), now + TimeSpan.FromMinutes(2));

        var issued = await _harness.IssueAsync(user, session);

        var payload = TokenForge.ReadPayload(issued.Token);
        var exp = (long)payload["exp"]!;
        var iat = (long)payload["iat"]!;
        var sessionEndRoundedUp = Seconds(session.ExpiresAt) + 1; // ExpiresAt has 750 ms
        Assert.Equal(sessionEndRoundedUp, exp);
        Assert.True(exp > iat);
        Assert.True(exp - iat < (long)_harness.Auth.AccessTokenLifetime.TotalSeconds);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(exp), issued.Claims.ExpiresAt);

        var validation = await _harness.ValidateAsync(issued.Token);
        Assert.True(validation.IsValid, validation.Error);
        Assert.Equal(issued.Claims.ExpiresAt, validation.Claims!.ExpiresAt);
    }

    [Fact]
    public async Task Session_ending_on_a_whole_second_is_not_rounded_further()
    {
        var now = _harness.Time.GetUtcNow();
        var (user, session) = await SessionAsync(now, now + TimeSpan.FromMinutes(2));

        var issued = await _harness.IssueAsync(user, session);

        Assert.Equal(session.ExpiresAt, issued.Claims.ExpiresAt);
    }

    [Fact]
    public async Task Session_ending_within_the_current_second_still_gets_an_exp_after_iat()
    {
        _harness.Time.Advance(TimeSpan.FromMilliseconds(100));
        var now = _harness.Time.GetUtcNow();
        var (user, session) = await SessionAsync(now, now + TimeSpan.FromMilliseconds(500));

        var issued = await _harness.IssueAsync(user, session);

        Assert.True(issued.Claims.ExpiresAt > issued.Claims.IssuedAt);
        Assert.True(issued.Claims.ExpiresAt >= session.ExpiresAt);
        Assert.True(issued.Claims.ExpiresAt - session.ExpiresAt < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Long_lived_session_gets_the_full_token_lifetime()
    {
        var now = _harness.Time.GetUtcNow();
        var (user, session) = await SessionAsync(now, now + TimeSpan.FromHours(12));

        var issued = await _harness.IssueAsync(user, session);

        Assert.Equal(_harness.Auth.AccessTokenLifetime, issued.Claims.ExpiresAt - issued.Claims.IssuedAt);
    }

    [Fact]
    public async Task Token_carries_the_session_creation_second_as_auth_time()
    {
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        var now = _harness.Time.GetUtcNow();
        var created = now - TimeSpan.FromMinutes(3) + TimeSpan.FromMilliseconds(900);
        var (user, session) = await SessionAsync(created, created + _harness.Auth.SessionAbsoluteLifetime);

        var issued = await _harness.IssueAsync(user, session);

        Assert.Equal(Seconds(created), (long)TokenForge.ReadPayload(issued.Token)["auth_time"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Seconds(created)), issued.Claims.AuthTime);
        Assert.True(issued.Claims.AuthTime < issued.Claims.IssuedAt);
        var validation = await _harness.ValidateAsync(issued.Token);
        Assert.Equal(issued.Claims.AuthTime, validation.Claims!.AuthTime);
    }
}
