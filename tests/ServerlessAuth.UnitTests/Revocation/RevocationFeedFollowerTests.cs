using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// The follower over the in-memory feed, in Replica mode: where each poll starts reading (short reads
/// one tail back, a full read of the overlap every full-read interval; the harness's follower has its
/// second full read one whole interval after the first), that events stamped by lagging writers or
/// landing late are still applied, that re-read events count once, and that a replica which cannot
/// read the feed makes validation fail closed.
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
    public void Short_reads_look_back_the_late_write_limit_plus_the_storage_clocks_uncertainty()
    {
        // 500 ms late write + 1 s Date resolution + 500 ms round trip.
        Assert.Equal(TimeSpan.FromSeconds(2), _harness.Window.Tail);
        Assert.Equal(TimeSpan.FromSeconds(30), _harness.Window.FullReadInterval);
        // Overlap (35 s) + full-read interval + the skew a lagging writer's PublishedAt may trail its stamp by.
        Assert.Equal(TimeSpan.FromSeconds(95), _harness.Window.RereadHorizon);
    }

    [Fact]
    public async Task Later_polls_read_one_tail_before_the_previous_poll_and_every_full_read_interval_one_overlap_before_the_previous_full_read()
    {
        await _harness.PollAsync();
        var firstStart = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        var secondStart = Now;
        _harness.Time.Advance(TimeSpan.FromMilliseconds(1500));
        await _harness.PollAsync();

        var tail = _harness.Window.Tail;
        Assert.Equal(
            [AuthHarness.Start - _harness.Window.Retention, firstStart - tail, secondStart - tail],
            _harness.Feed.ReadFroms);

        // The first poll was a full read: the next comes one interval later and reaches back one overlap before it.
        _harness.Time.Advance(firstStart + _harness.Window.FullReadInterval - Now - TimeSpan.FromTicks(1));
        await _harness.PollAsync();
        Assert.Equal(secondStart + TimeSpan.FromMilliseconds(1500) - tail, _harness.Feed.ReadFroms[^1]);
        _harness.Time.Advance(TimeSpan.FromTicks(1));
        await _harness.PollAsync();
        Assert.Equal(firstStart - _harness.Window.Overlap, _harness.Feed.ReadFroms[^1]);
        var fullStart = Now;

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await _harness.PollAsync();
        _harness.Time.Advance(_harness.Window.FullReadInterval);
        await _harness.PollAsync();
        Assert.Equal(fullStart - _harness.Window.Overlap, _harness.Feed.ReadFroms[^1]);
    }

    [Fact]
    public async Task With_no_full_read_interval_every_poll_reads_one_overlap_before_the_previous_one()
    {
        var window = new RevocationWindow(Microsoft.Extensions.Options.Options.Create(_harness.Auth), Microsoft.Extensions.Options.Options.Create(_harness.Storage))
        {
            FullReadInterval = TimeSpan.Zero,
        };
        var follower = new RevocationFeedFollower(_harness.Feed, _harness.Replica, window, _harness.Keys,
            Microsoft.Extensions.Options.Options.Create(_harness.RevocationOptions), _harness.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RevocationFeedFollower>.Instance);
        await follower.PollOnceAsync(CancellationToken.None);
        var firstStart = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await follower.PollOnceAsync(CancellationToken.None);
        var secondStart = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await follower.PollOnceAsync(CancellationToken.None);

        Assert.Equal([firstStart - window.Retention, firstStart - window.Overlap, secondStart - window.Overlap], _harness.Feed.ReadFroms);
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
        Assert.Equal(lastGoodStart - _harness.Window.Tail, _harness.Feed.ReadFroms[^1]);
        Assert.Equal(Now, _harness.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task Event_stamped_by_a_writer_lagging_the_whole_skew_just_before_a_full_read_is_applied_by_that_full_read()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds - 1);

        // Published after the last poll by a clock 30 s behind ours: the short reads cannot see it.
        var writerNow = Now - _harness.Auth.ClockSkew;
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, writerNow)], CancellationToken.None);
        await PollEverySecondAsync(1);
        Assert.Equal(Now, AuthHarness.Start + _harness.Window.FullReadInterval);

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_stamped_by_a_writer_lagging_the_whole_skew_just_after_a_full_read_is_missed_by_no_later_full_read()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds);
        var fullRead = Now;

        // Stamped before the full read began, published after it: only the next full read can find it.
        var writerNow = Now - _harness.Auth.ClockSkew;
        await _harness.Feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, writerNow)], CancellationToken.None);
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds - 1);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        await PollEverySecondAsync(1);
        Assert.Equal(fullRead + _harness.Window.FullReadInterval, Now);
        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_whose_insert_lands_late_is_applied_by_the_next_full_read_even_if_its_writer_never_stamps_it_again()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();

        // The insert was stamped now but lands only after several polls (within the storage timeout).
        _harness.Feed.PublishHidden(RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now));
        await PollEverySecondAsync(4);
        _harness.Feed.RevealAll();
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds - 5);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        await PollEverySecondAsync(1);

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_whose_slow_insert_is_stamped_again_when_it_returned_is_applied_on_the_next_poll()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();

        // As the table feed does: the first insert took 4 s, so the writer writes the same event under the time it returned.
        var e = RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, Now);
        _harness.Feed.PublishHidden(e);
        await PollEverySecondAsync(4);
        _harness.Feed.RevealAll();
        await _harness.Feed.PublishAsync([e with { PublishedAt = Now }], CancellationToken.None);
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
        _harness.Time.Advance(_harness.Window.Tail);
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
    public async Task Event_stamped_exactly_one_tail_before_the_previous_poll_is_applied_by_a_short_read()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        var previous = Now;
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        await _harness.Feed.PublishAsync(
            [RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, previous - _harness.Window.Tail)], CancellationToken.None);
        await _harness.PollAsync();

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Event_stamped_exactly_one_overlap_before_the_previous_full_read_is_applied_by_the_next_full_read()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.PollAsync();
        var previousFull = Now;
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds - 1);

        await _harness.Feed.PublishAsync(
            [RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, previousFull - _harness.Window.Overlap)], CancellationToken.None);
        await PollEverySecondAsync(1);

        Assert.Equal(previousFull - _harness.Window.Overlap, _harness.Feed.ReadFroms[^1]);
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

        // The next short reads and the next full read read the same four events again: same state, no second key refresh.
        await PollEverySecondAsync((int)_harness.Window.FullReadInterval.TotalSeconds);
        Assert.True(_harness.Feed.ReadFroms[1] <= AuthHarness.Start);
        Assert.True(_harness.Feed.ReadFroms[^1] <= AuthHarness.Start);
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
