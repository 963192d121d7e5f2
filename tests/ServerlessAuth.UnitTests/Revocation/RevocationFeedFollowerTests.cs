using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// The follower over the in-memory feed, in Replica mode: where each poll starts reading, that events
/// stamped by lagging writers or landing late are still applied, that re-read events count once, and
/// that a replica which cannot read the feed makes validation fail closed.
/// </summary>
public sealed class RevocationFeedFollowerTests
{
    private readonly AuthHarness _harness = new(mode: RevocationMode.Replica);

    private DateTimeOffset Now => _harness.Time.GetUtcNow();

    private async Task<(UserAccount User, Session Session, IssuedAccessToken Token)> LoggedInAsync()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();
        return (user, session, await _harness.IssueAsync(user, session));
    }

    private static StorageUnavailableException FeedDown() => new("revocation feed unreachable");

    private async Task PollEverySecondAsync(int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            _harness.Time.Advance(TimeSpan.FromSeconds(1));
            await _harness.PollAsync();
        }
    }

    [Fact]
    public void The_window_is_the_token_lifetime_plus_skew_plus_the_overlap_of_timeout_and_skew()
    {
        // Defaults: 10 min tokens, 30 s skew, 5 s storage timeout.
        Assert.Equal(TimeSpan.FromSeconds(35), _harness.Window.Overlap);
        Assert.Equal(TimeSpan.FromSeconds(600 + 30 + 35), _harness.Window.Retention);
    }

    [Fact]
    public async Task First_poll_reads_back_exactly_one_retention_window()
    {
        await _harness.PollAsync();

        Assert.Equal([AuthHarness.Start - _harness.Window.Retention], _harness.Feed.ReadFroms);
    }

    [Fact]
    public async Task Later_polls_read_from_one_overlap_before_the_previous_poll_began()
    {
        await _harness.PollAsync();
        var firstStart = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        var secondStart = Now;
        _harness.Time.Advance(TimeSpan.FromMilliseconds(1500));
        await _harness.PollAsync();

        var overlap = _harness.Window.Overlap;
        Assert.Equal(
            [AuthHarness.Start - _harness.Window.Retention, firstStart - overlap, secondStart - overlap],
            _harness.Feed.ReadFroms);
    }

    [Fact]
    public async Task A_failed_poll_leaves_the_cursor_where_it_was()
    {
        await _harness.PollAsync();
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        var lastGoodStart = Now;

        _harness.Feed.BeforeRead = () => Task.FromException(FeedDown());
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync(); // logged, not thrown
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();

        _harness.Feed.BeforeRead = null;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();

        Assert.Equal(5, _harness.Feed.Reads);
        Assert.Equal(lastGoodStart - _harness.Window.Overlap, _harness.Feed.ReadFroms[^1]);
        Assert.Equal(Now, _harness.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task Event_stamped_by_a_writer_20_seconds_behind_after_the_last_poll_is_applied_on_the_next()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        // Published after that poll, but by a clock that says it happened 19 s before it.
        var writerNow = Now - TimeSpan.FromSeconds(20);
        Assert.True(writerNow < _harness.Replica.CurrentAsOf);
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, writerNow)], CancellationToken.None);

        await _harness.PollAsync();

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_whose_insert_becomes_visible_late_is_applied_once_it_is_visible()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();

        // The insert was stamped now but lands only after several polls (within the storage timeout).
        _harness.Feed.PublishHidden(RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now));
        await PollEverySecondAsync(4);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        _harness.Feed.RevealAll();
        await PollEverySecondAsync(1);

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_stamped_exactly_at_the_first_polls_from_is_applied_and_one_tick_earlier_is_not_read()
    {
        var (user, session, revoked) = await LoggedInAsync();
        var outside = await _harness.IssueAsync(user, session);
        var from = AuthHarness.Start - _harness.Window.Retention;
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(revoked.Claims.TokenId, revoked.Claims.ExpiresAt, from)], CancellationToken.None);
        await _harness.Feed.PublishAsync(
            [RevocationEvent.TokenRevoked(outside.Claims.TokenId, outside.Claims.ExpiresAt, from - TimeSpan.FromTicks(1))], CancellationToken.None);

        await _harness.PollAsync();

        Assert.Equal(from, _harness.Feed.ReadFroms[0]);
        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(revoked.Token)).Error);
        Assert.True((await _harness.ValidateAsync(outside.Token)).IsValid);
    }

    [Fact]
    public async Task Event_stamped_exactly_on_the_minute_a_later_poll_starts_from_is_applied()
    {
        // The table feed partitions by UTC minute: make a later poll's from fall on 09:00:00.0000000.
        var (_, _, token) = await LoggedInAsync();
        _harness.Time.Advance(_harness.Window.Overlap);
        await _harness.PollAsync();
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        var minute = AuthHarness.Start;
        Assert.Equal(0, minute.Second);
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, minute)], CancellationToken.None);
        await _harness.PollAsync();

        Assert.Equal(minute, _harness.Feed.ReadFroms[^1]);
        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_stamped_exactly_one_overlap_before_the_previous_poll_is_applied()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        var previous = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        await _harness.Feed.PublishAsync(
            [RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, previous - _harness.Window.Overlap)], CancellationToken.None);
        await _harness.PollAsync();

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Events_read_again_by_overlapping_polls_are_applied_once()
    {
        var (user, _, token) = await LoggedInAsync();
        var other = await _harness.AddUserWithSessionAsync("bob");
        await _harness.Keys.GetAsync(CancellationToken.None);
        Assert.Equal(1, _harness.MemorySource!.LoadCount);
        await _harness.Feed.PublishAsync(
            [
                RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now),
                RevocationEvent.SessionEnded(other.User.Id, other.Session.Id, Now),
                RevocationEvent.UserCutoff(user.Id, Now - TimeSpan.FromMinutes(1), Now),
                RevocationEvent.SigningKeysChanged(Now),
            ],
            CancellationToken.None);

        await _harness.PollAsync();
        Assert.Equal(3, _harness.Replica.TrackedCount);
        Assert.Equal(2, _harness.MemorySource.LoadCount);

        // The next polls read the same four events again: same state, no second key refresh.
        await PollEverySecondAsync(3);
        Assert.All(_harness.Feed.ReadFroms, from => Assert.True(from <= AuthHarness.Start));
        Assert.Equal(3, _harness.Replica.TrackedCount);
        Assert.Equal(2, _harness.MemorySource.LoadCount);
        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);

        // A new key event is a new refresh.
        await _harness.Feed.PublishAsync([RevocationEvent.SigningKeysChanged(Now)], CancellationToken.None);
        await PollEverySecondAsync(1);
        Assert.Equal(3, _harness.MemorySource.LoadCount);
    }

    [Fact]
    public async Task Key_event_makes_a_rotated_version_validate_without_waiting_for_the_refresh_interval()
    {
        await _harness.PollAsync();
        var (user, session) = await _harness.AddUserWithSessionAsync();
        await _harness.IssueAsync(user, session); // caches the ring

        var rotated = TestKey.Create("key-version-2");
        _harness.MemorySource!.Add(new SigningKeyVersion(rotated.Id, true, Now, Value: rotated.Value));
        await _harness.Feed.PublishAsync([RevocationEvent.SigningKeysChanged(Now)], CancellationToken.None);
        await PollEverySecondAsync(1);

        Assert.Equal(rotated.Id, (await _harness.Keys.GetAsync(CancellationToken.None)).Current.KeyId);
    }

    [Fact]
    public async Task Validation_is_accepted_up_to_the_staleness_bound_and_refused_with_503_beyond_it()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        _harness.Feed.BeforeRead = () => Task.FromException(FeedDown());

        await PollEverySecondAsync((int)_harness.RevocationOptions.StalenessBound.TotalSeconds);
        Assert.Equal(AuthHarness.Start + _harness.RevocationOptions.StalenessBound, Now);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        _harness.Time.Advance(TimeSpan.FromTicks(1));
        await _harness.PollAsync();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.ValidateAsync(token.Token));
        Assert.Equal(AuthHarness.Start, _harness.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task A_stale_replica_never_accepts_a_revoked_token_and_one_good_poll_recovers()
    {
        var (user, session, token) = await LoggedInAsync();
        var kept = await _harness.IssueAsync(user, session);
        await _harness.PollAsync();

        _harness.Feed.BeforeRead = () => Task.FromException(FeedDown());
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now)], CancellationToken.None);
        await PollEverySecondAsync(10);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.ValidateAsync(token.Token));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.ValidateAsync(kept.Token));
        // Failing closed reads no table either: the replica does not fall back to storage.
        Assert.Equal(0, _harness.Sessions.FindCalls);
        Assert.Equal(0, _harness.RevokedTokens.IsRevokedCalls);

        _harness.Feed.BeforeRead = null;
        await PollEverySecondAsync(1);

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
        Assert.True((await _harness.ValidateAsync(kept.Token)).IsValid);
    }

    [Fact]
    public async Task A_starting_instance_that_cannot_read_the_feed_refuses_with_503_after_one_staleness_bound()
    {
        var (_, _, token) = await LoggedInAsync();
        _harness.Feed.BeforeRead = () => Task.FromException(FeedDown());
        await _harness.PollAsync();
        Assert.Null(_harness.Replica.CurrentAsOf);

        // Waits for the first poll, at most one staleness bound on the fake clock.
        var check = _harness.Revocation.FindRefusalAsync(token.Claims, CancellationToken.None).AsTask();
        Assert.False(check.IsCompleted);
        _harness.Time.Advance(_harness.RevocationOptions.StalenessBound);

        await Assert.ThrowsAsync<StorageUnavailableException>(() => check);
        Assert.Equal(0, _harness.Sessions.FindCalls);
    }
}
