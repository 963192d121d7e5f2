using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// Replica-mode decisions: what each event refuses, that tokens are decided without a storage call
/// (cutoffs too, with their skew allowance), and that pruning old events can never let a token
/// through that should be refused.
/// </summary>
public sealed class RevocationReplicaTests
{
    private const string Ended = "The session has ended.";

    private readonly AuthHarness _harness = new(mode: RevocationMode.Replica);

    private DateTimeOffset Now => _harness.Time.GetUtcNow();

    private int StoreReads =>
        _harness.Sessions.FindCalls + _harness.RevokedTokens.IsRevokedCalls + _harness.Users.FindByIdCalls + _harness.SessionCutoff.GetCalls;

    private Task PublishAsync(params RevocationEvent[] events) => _harness.Feed.PublishAsync(events, CancellationToken.None);

    private async Task<(UserAccount User, Session Session, IssuedAccessToken Token)> LoggedInAsync(string username = "alice")
    {
        var (user, session) = await _harness.AddUserWithSessionAsync(username);
        return (user, session, await _harness.IssueAsync(user, session));
    }

    /// <summary>Another session of a stored user, begun now.</summary>
    private async Task<Session> AddSessionAsync(UserAccount user, string? sessionId = null)
    {
        var session = new Session
        {
            UserId = user.Id,
            Id = sessionId ?? AuthHarness.NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = Now,
            LastSeenAt = Now,
            ExpiresAt = Now + _harness.Auth.SessionAbsoluteLifetime,
        };
        await _harness.Sessions.CreateAsync(session, CancellationToken.None);
        return session;
    }

    [Fact]
    public async Task Valid_token_without_events_is_accepted_without_reading_any_store()
    {
        await _harness.PollAsync();
        var (_, _, token) = await LoggedInAsync();

        var result = await _harness.ValidateAsync(token.Token);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(0, _harness.Sessions.FindCalls);
        Assert.Equal(0, _harness.RevokedTokens.IsRevokedCalls);
        Assert.Equal(0, _harness.Users.FindByIdCalls);
        Assert.Equal(0, _harness.SessionCutoff.GetCalls);
    }

    [Fact]
    public async Task Revoked_jti_is_refused_and_the_other_tokens_of_the_session_are_not()
    {
        var (user, session, token) = await LoggedInAsync();
        var sibling = await _harness.IssueAsync(user, session);
        await PublishAsync(RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now));

        await _harness.PollAsync();

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
        Assert.True((await _harness.ValidateAsync(sibling.Token)).IsValid);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task Ended_session_refuses_its_own_tokens_only_not_the_same_sid_under_another_user()
    {
        var (alice, session, token) = await LoggedInAsync();
        var aliceOther = await _harness.IssueAsync(alice, await AddSessionAsync(alice));
        var bob = AuthHarness.NewUser("bob");
        _harness.Users.Add(bob);
        var bobSameSid = await _harness.IssueAsync(bob, await AddSessionAsync(bob, session.Id));
        await PublishAsync(RevocationEvent.SessionEnded(alice.Id, session.Id, Now));

        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(token.Token)).Error);
        Assert.True((await _harness.ValidateAsync(bobSameSid.Token)).IsValid);
        Assert.True((await _harness.ValidateAsync(aliceOther.Token)).IsValid);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task User_cutoff_refuses_sessions_begun_in_an_earlier_second_and_accepts_sessions_begun_after()
    {
        var (user, _, before) = await LoggedInAsync();
        var (_, _, otherUser) = await LoggedInAsync("bob");
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        await _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var after = await _harness.IssueAsync(user, await AddSessionAsync(user));

        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(before.Token)).Error);
        Assert.True((await _harness.ValidateAsync(after.Token)).IsValid);
        Assert.True((await _harness.ValidateAsync(otherUser.Token)).IsValid);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task User_cutoff_alone_refuses_a_session_begun_more_than_the_skew_before_it_and_spares_one_begun_within_it()
    {
        var (user, session, _) = await LoggedInAsync();
        _harness.Time.Advance(TimeSpan.FromMilliseconds(600));
        var skew = _harness.Auth.ClockSkew;
        // The cutoff as written, but the rows kept: only the cutoff can refuse these tokens.
        await PublishAsync(RevocationEvent.UserCutoff(user.Id, Now, Now));

        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(TokenBegunAt(user, session, Now - skew - TimeSpan.FromSeconds(1)))).Error);
        var within = await _harness.ValidateAsync(TokenBegunAt(user, session, Now - skew + TimeSpan.FromSeconds(1)));
        Assert.True(within.IsValid, within.Error);
        // In the very second of cutoff - skew: spared, since a later start on a slow clock can look the same.
        var sameSecond = await _harness.ValidateAsync(TokenBegunAt(user, session, Now - skew - TimeSpan.FromMilliseconds(400)));
        Assert.True(sameSecond.IsValid, sameSecond.Error);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task A_session_begun_in_the_second_of_a_user_cutoff_is_accepted_without_reading_the_tables()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300));
        await _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300)); // logs in again within the same second
        var session = await AddSessionAsync(user);
        var token = await _harness.IssueAsync(user, session);
        Assert.Equal(AuthHarness.Start, token.Claims.AuthTime);

        await _harness.PollAsync();

        var result = await _harness.ValidateAsync(token.Token);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(0, StoreReads);
    }

    /// <summary>A token of <paramref name="session"/> claiming it began at <paramref name="authTime"/>, issued now.</summary>
    private string TokenBegunAt(UserAccount user, Session session, DateTimeOffset authTime)
    {
        var payload = _harness.Payload(user, session);
        payload["auth_time"] = authTime.ToUnixTimeSeconds();
        return _harness.Forge(_harness.Key, payload);
    }

    [Fact]
    public async Task Service_cutoff_refuses_sessions_begun_in_an_earlier_second_and_accepts_sessions_begun_after()
    {
        var (user, _, before) = await LoggedInAsync();
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        await _harness.SessionService.EndEverySessionAsync(CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var after = await _harness.IssueAsync(user, await AddSessionAsync(user));

        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(before.Token)).Error);
        Assert.True((await _harness.ValidateAsync(after.Token)).IsValid);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task Service_cutoff_ends_a_session_begun_in_its_own_second_by_its_own_event_and_spares_one_begun_after()
    {
        _harness.Time.Advance(TimeSpan.FromMilliseconds(200));
        var (user, _, before) = await LoggedInAsync();
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300));
        await _harness.SessionService.EndEverySessionAsync(CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromMilliseconds(300));
        var after = await _harness.IssueAsync(user, await AddSessionAsync(user));
        Assert.Equal(before.Claims.AuthTime, after.Claims.AuthTime);

        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(before.Token)).Error);
        var result = await _harness.ValidateAsync(after.Token);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(0, StoreReads);
    }

    [Fact]
    public async Task Later_user_cutoff_wins_over_an_earlier_one_read_in_another_poll()
    {
        var (user, _, token) = await LoggedInAsync();
        await PublishAsync(RevocationEvent.UserCutoff(user.Id, Now - TimeSpan.FromMinutes(1), Now));
        await _harness.PollAsync();
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        _harness.Time.Advance(_harness.Auth.ClockSkew + TimeSpan.FromSeconds(2));
        await PublishAsync(RevocationEvent.UserCutoff(user.Id, Now, Now));
        await _harness.PollAsync();

        Assert.Equal(Ended, (await _harness.ValidateAsync(token.Token)).Error);
        Assert.Equal(1, _harness.Replica.TrackedCount);
    }

    [Fact]
    public async Task Revoked_token_entry_is_kept_while_the_token_can_validate_and_pruned_once_it_cannot()
    {
        var (_, _, token) = await LoggedInAsync();
        await PublishAsync(RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now));
        await _harness.PollAsync();
        Assert.Equal(1, _harness.Replica.TrackedCount);

        // The last instant the validator still lets the token's lifetime pass: the entry must still refuse.
        _harness.Time.Advance(token.Claims.ExpiresAt + _harness.Auth.ClockSkew - Now);
        await _harness.PollAsync();
        Assert.Equal(1, _harness.Replica.TrackedCount);
        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();

        Assert.Equal(0, _harness.Replica.TrackedCount);
        Assert.Equal("The token has expired.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Ended_session_entry_is_pruned_after_the_retention_and_its_tokens_stay_refused()
    {
        var (user, session, token) = await LoggedInAsync();
        await PublishAsync(RevocationEvent.SessionEnded(user.Id, session.Id, Now));
        await _harness.PollAsync();
        Assert.Equal(1, _harness.Replica.TrackedCount);

        _harness.Time.Advance(_harness.Window.Retention + TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        Assert.Equal(0, _harness.Replica.TrackedCount);

        // Every token of ours from before the event has expired by now ...
        Assert.Equal("The token has expired.", (await _harness.ValidateAsync(token.Token)).Error);

        // ... and one claiming to live longer, to outlast the entry, is refused for its lifetime.
        var payload = _harness.Payload(user, session);
        var issuedBefore = AuthHarness.Start.ToUnixTimeSeconds();
        payload["iat"] = issuedBefore;
        payload["nbf"] = issuedBefore;
        payload["auth_time"] = issuedBefore;
        var forged = await _harness.ValidateAsync(_harness.Forge(_harness.Key, payload));
        Assert.Equal("The token's lifetime is not one this service issues.", forged.Error);
    }

    [Fact]
    public async Task User_cutoff_entry_is_pruned_after_the_retention()
    {
        var (user, _, _) = await LoggedInAsync();
        await PublishAsync(RevocationEvent.UserCutoff(user.Id, Now, Now));
        await _harness.PollAsync();
        Assert.Equal(1, _harness.Replica.TrackedCount);

        _harness.Time.Advance(_harness.Window.Retention);
        await _harness.PollAsync();
        Assert.Equal(1, _harness.Replica.TrackedCount);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        Assert.Equal(0, _harness.Replica.TrackedCount);
    }

    [Fact]
    public void Events_older_than_the_window_are_applied_without_being_kept()
    {
        var now = Now;
        var old = now - _harness.Window.Retention - TimeSpan.FromSeconds(1);

        var keysChanged = _harness.Replica.Apply(
            [
                RevocationEvent.TokenRevoked(AuthHarness.NewTokenId(), old + _harness.Auth.AccessTokenLifetime, old),
                RevocationEvent.SessionEnded(UserAccount.NewId(), AuthHarness.NewSessionId(), old),
                RevocationEvent.UserCutoff(UserAccount.NewId(), old, old),
            ],
            now);

        Assert.False(keysChanged);
        Assert.Equal(0, _harness.Replica.TrackedCount);
        Assert.True(_harness.Replica.IsCurrent(now));
    }

    [Fact]
    public async Task Service_cutoff_keeps_refusing_after_the_retention()
    {
        // One value, kept for good: a forged long-lived token is refused anyway, a fresh session is not.
        await _harness.SessionService.EndEverySessionAsync(CancellationToken.None);
        var cutoff = Now;
        await _harness.PollAsync();
        _harness.Time.Advance(_harness.Window.Retention + TimeSpan.FromSeconds(1));
        await _harness.PollAsync();

        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var session = await AddSessionAsync(user);
        var payload = _harness.Payload(user, session);
        payload["auth_time"] = (cutoff - _harness.Auth.ClockSkew).ToUnixTimeSeconds() - 1;

        Assert.Equal(Ended, (await _harness.ValidateAsync(_harness.Forge(_harness.Key, payload))).Error);
        Assert.True((await _harness.ValidateAsync((await _harness.IssueAsync(user, session)).Token)).IsValid);
    }
}
