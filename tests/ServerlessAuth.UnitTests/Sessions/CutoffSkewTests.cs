using ServerlessAuth.Sessions;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.Sessions;

/// <summary>
/// A cutoff and a session's start are stamped by different instances' clocks: a cutoff ends only the
/// sessions begun more than the tolerated skew before it, the same way in the replica, the tables and
/// the cookie check, so a session begun after it on a slower instance is never refused.
/// </summary>
public sealed class CutoffSkewTests
{
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    // Not on a second boundary, so the whole-second comparison shows.
    private static readonly DateTimeOffset Cutoff = AuthHarness.Start + TimeSpan.FromMilliseconds(600);

    [Theory]
    [InlineData(-31_000, true)] // S + 1 s before
    [InlineData(-30_700, true)] // in the second before that of cutoff - S
    [InlineData(-30_400, false)] // in the very second of cutoff - S: a later start on a slow clock looks the same
    [InlineData(-29_000, false)] // S - 1 s before
    [InlineData(-20_000, false)] // begun after the cutoff on an instance 20 s behind
    [InlineData(1_000, false)]
    public void A_cutoff_ends_only_sessions_begun_more_than_the_skew_before_it(int startMilliseconds, bool ended) =>
        Assert.Equal(ended, SessionValidity.EndedByCutoff(Cutoff + TimeSpan.FromMilliseconds(startMilliseconds), Cutoff, Skew));

    [Theory]
    [InlineData(-31, "The session has ended.")]
    [InlineData(-29, null)]
    public async Task The_tables_apply_the_same_allowance_to_a_users_cutoff_and_to_the_service_cutoff(int startSeconds, string? refusal)
    {
        var harness = new AuthHarness(configure: o => o.ClockSkew = Skew);
        var (user, session) = await harness.AddUserWithSessionAsync();
        var cutoff = harness.Time.GetUtcNow() - TimeSpan.FromSeconds(startSeconds);
        var token = await harness.IssueAsync(user, session);
        harness.Time.Advance(cutoff - harness.Time.GetUtcNow() + TimeSpan.FromSeconds(1));

        await harness.Users.SetTokensValidAfterAsync(user.Id, cutoff, CancellationToken.None);
        var byUser = await harness.ValidateAsync(token.Token);
        await harness.Users.SetTokensValidAfterAsync(user.Id, session.CreatedAt - TimeSpan.FromDays(1), CancellationToken.None);
        await harness.SessionCutoff.SetAsync(cutoff, CancellationToken.None);
        var byService = await harness.ValidateAsync(token.Token);

        Assert.Equal(refusal is null ? null : "The token has been revoked.", byUser.Error); // iat, like auth_time, is the session's start here
        Assert.Equal(refusal, byService.Error);
    }

    [Fact]
    public async Task A_cookie_session_begun_after_a_global_logout_on_an_instance_20_s_behind_is_live()
    {
        var harness = new AuthHarness(configure: o => o.ClockSkew = Skew);
        var user = AuthHarness.NewUser() with { TokensValidAfter = AuthHarness.Start };
        harness.Users.Add(user);
        var slowStart = AuthHarness.Start - TimeSpan.FromSeconds(20);
        var session = new Session
        {
            UserId = user.Id,
            Id = AuthHarness.NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = slowStart,
            LastSeenAt = slowStart,
            ExpiresAt = slowStart + harness.Auth.SessionAbsoluteLifetime,
        };

        Assert.True(harness.SessionService.IsLive(new PresentedSession(session, user, AuthHarness.Start)));
        Assert.False(harness.SessionService.IsLive(new PresentedSession(session with { CreatedAt = slowStart - TimeSpan.FromSeconds(11) }, user, null)));
    }
}
