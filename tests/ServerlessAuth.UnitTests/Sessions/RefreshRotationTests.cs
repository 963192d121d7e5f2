using ServerlessAuth.Logout;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Sessions;

public sealed class RefreshRotationTests
{
    private readonly AuthHarness _harness = new(configure: o => o.RefreshReuseGraceWindow = TimeSpan.FromSeconds(5));

    private SessionService Sessions => _harness.SessionService;

    private async Task<(UserAccount User, StartedSession Started)> LoginAsync()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var started = await Sessions.StartAsync(user, "cli/1.0", SessionKind.RefreshToken, CancellationToken.None);
        return (user, started);
    }

    private Task<RefreshOutcome> RefreshAsync(SessionCookieValue token) => Sessions.RefreshAsync(token, CancellationToken.None);

    [Fact]
    public async Task A_refresh_returns_a_new_token_of_the_same_session_and_spends_the_old_one()
    {
        var (_, started) = await LoginAsync();

        var first = await RefreshAsync(started.Cookie);

        Assert.Equal(RefreshResult.Rotated, first.Result);
        var successor = first.RefreshToken!;
        Assert.Equal(started.Session.Id, successor.SessionId);
        Assert.NotEqual(started.Cookie.Secret, successor.Secret);
        Assert.True(SessionCookieValue.TryParse(successor.ToString(), out _));

        var stored = (await _harness.Sessions.FindAsync(started.Session.UserId, started.Session.Id, CancellationToken.None))!;
        Assert.Equal(successor.SecretHash(), stored.SecretHash);
        Assert.Equal(started.Cookie.SecretHash(), stored.PreviousSecretHash);

        // The successor rotates in turn.
        var second = await RefreshAsync(successor);
        Assert.Equal(RefreshResult.Rotated, second.Result);
        Assert.NotEqual(successor.Secret, second.RefreshToken!.Secret);
    }

    [Fact]
    public async Task A_spent_token_within_the_grace_window_gets_the_same_successor_and_ends_nothing()
    {
        var (_, started) = await LoginAsync();
        var first = await RefreshAsync(started.Cookie);

        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        var retry = await RefreshAsync(started.Cookie);

        Assert.Equal(RefreshResult.RetriedWithinGrace, retry.Result);
        Assert.Equal(first.RefreshToken, retry.RefreshToken);
        Assert.Empty(_harness.Feed.Publishes);
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(retry.RefreshToken!)).Result);
    }

    [Fact]
    public async Task A_spent_token_after_the_grace_window_ends_the_session_through_the_feed_first()
    {
        var (user, started) = await LoginAsync();
        var successor = (await RefreshAsync(started.Cookie)).RefreshToken!;
        var feedSawSessionBeforeDelete = false;
        _harness.Feed.BeforePublish = async () =>
            feedSawSessionBeforeDelete = await _harness.Sessions.FindAsync(user.Id, started.Session.Id, CancellationToken.None) is not null;

        _harness.Time.Advance(TimeSpan.FromSeconds(5.001));
        var reuse = await RefreshAsync(started.Cookie);

        Assert.Equal(RefreshResult.ReuseDetected, reuse.Result);
        Assert.Equal(user.Id, reuse.UserId);
        Assert.True(feedSawSessionBeforeDelete);
        var published = Assert.Single(Assert.Single(_harness.Feed.Publishes));
        Assert.Equal(RevocationEventKind.SessionEnded, published.Kind);
        Assert.Equal(started.Session.Id, published.SessionId);
        Assert.Null(await _harness.Sessions.FindAsync(user.Id, started.Session.Id, CancellationToken.None));

        // The successor the thief or the client holds dies with the session.
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(successor)).Result);
    }

    [Fact]
    public async Task Parallel_refreshes_rotate_once_and_all_get_the_same_working_successor()
    {
        var (_, started) = await LoginAsync();
        var barrier = new Fakes.ReadBarrier(4, TimeSpan.FromSeconds(10));
        _harness.Sessions.BeforeFind = barrier.ArriveAndWaitAsync;

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => RefreshAsync(started.Cookie))));
        _harness.Sessions.BeforeFind = null;

        Assert.Equal(1, _harness.Sessions.Replacements);
        Assert.All(outcomes, o => Assert.Contains(o.Result, new[] { RefreshResult.Rotated, RefreshResult.RetriedWithinGrace }));
        Assert.Single(outcomes, o => o.Result == RefreshResult.Rotated);
        Assert.Single(outcomes.Select(o => o.RefreshToken).Distinct());
        Assert.Empty(_harness.Feed.Publishes);
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(outcomes[0].RefreshToken!)).Result);
    }

    [Fact]
    public async Task Rotations_that_keep_losing_the_race_end_in_a_retryable_storage_error_and_change_nothing()
    {
        var (user, started) = await LoginAsync();
        // Another writer changes the row just before each replace (without rotating it).
        _harness.Sessions.BeforeReplace = () =>
            _harness.Sessions.TouchAsync(user.Id, started.Session.Id, _harness.Time.GetUtcNow(), CancellationToken.None);

        await Assert.ThrowsAsync<Storage.StorageUnavailableException>(() => RefreshAsync(started.Cookie));

        _harness.Sessions.BeforeReplace = null;
        Assert.Equal(0, _harness.Sessions.Replacements);
        Assert.Empty(_harness.Feed.Publishes);
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(started.Cookie)).Result);
    }

    [Fact]
    public async Task A_token_two_rotations_old_is_refused_without_ending_the_session()
    {
        var (user, started) = await LoginAsync();
        var second = (await RefreshAsync(started.Cookie)).RefreshToken!;
        var third = (await RefreshAsync(second)).RefreshToken!;

        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(started.Cookie)).Result);

        Assert.NotNull(await _harness.Sessions.FindAsync(user.Id, started.Session.Id, CancellationToken.None));
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(third)).Result);
    }

    [Fact]
    public async Task Guessed_secrets_cookie_sessions_ended_and_expired_sessions_are_invalid()
    {
        var (user, started) = await LoginAsync();
        var guessed = SessionCookieValue.Create(user.Id) with { SessionId = started.Session.Id };
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(guessed)).Result);

        var cookieSession = await Sessions.StartAsync(user, null, CancellationToken.None);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(cookieSession.Cookie)).Result);

        _harness.Time.Advance(_harness.Auth.SessionAbsoluteLifetime);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(started.Cookie)).Result);
        Assert.Empty(_harness.Feed.Publishes);
    }

    [Fact]
    public async Task A_refresh_token_is_no_cookie_and_a_cookie_is_no_refresh_token()
    {
        var (user, started) = await LoginAsync();
        Assert.Null(await Sessions.ResolveAsync(started.Cookie, CancellationToken.None));

        var cookieSession = await Sessions.StartAsync(user, null, CancellationToken.None);
        Assert.NotNull(await Sessions.ResolveAsync(cookieSession.Cookie, CancellationToken.None));
        Assert.Null(await Sessions.ReadRefreshAsync(cookieSession.Cookie, CancellationToken.None));
    }

    [Theory]
    [InlineData(LogoutScope.Local)]
    [InlineData(LogoutScope.Global)]
    public async Task Logout_with_the_refresh_token_ends_its_session(LogoutScope scope)
    {
        var (user, started) = await LoginAsync();
        var successor = (await RefreshAsync(started.Cookie)).RefreshToken!;

        // The spent token still identifies the session for a logout (a client that lost the rotation's answer).
        var outcome = await _harness.Logout.LogoutAsync(scope, null, started.Cookie, null, CancellationToken.None);

        Assert.Equal(1, outcome.SessionsEnded);
        Assert.Equal(user.Id, outcome.UserId);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(successor)).Result);
    }

    [Fact]
    public async Task Logout_of_others_with_the_refresh_token_keeps_its_session()
    {
        var (user, started) = await LoginAsync();
        var other = await Sessions.StartAsync(user, null, CancellationToken.None);

        var outcome = await _harness.Logout.LogoutAsync(LogoutScope.Others, null, started.Cookie, null, CancellationToken.None);

        Assert.Equal(1, outcome.SessionsEnded);
        Assert.Null(await _harness.Sessions.FindAsync(user.Id, other.Session.Id, CancellationToken.None));
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(started.Cookie)).Result);
    }

    [Fact]
    public async Task Disable_and_the_service_cutoff_refuse_the_refresh_token()
    {
        var (user, started) = await LoginAsync();
        await Sessions.EndEverythingOfUserAsync(user.Id, CancellationToken.None);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(started.Cookie)).Result);

        var (_, again) = await LoginAsync();
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await Sessions.EndEverySessionAsync(CancellationToken.None);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(again.Cookie)).Result);
    }

    [Fact]
    public async Task Sessions_of_a_user_are_listed_live_only_and_ended_only_by_their_owner()
    {
        var (user, started) = await LoginAsync();
        var (other, otherStarted) = await LoginAsync();
        Assert.NotEqual(user.Id, other.Id);

        Assert.Equal(new[] { started.Session.Id }, (await Sessions.ListLiveAsync(user.Id, CancellationToken.None)).Select(s => s.Id));
        Assert.False(await Sessions.EndOwnAsync(user.Id, otherStarted.Session.Id, CancellationToken.None));
        Assert.False(await Sessions.EndOwnAsync(user.Id, "not a session id", CancellationToken.None));
        Assert.NotNull(await _harness.Sessions.FindAsync(other.Id, otherStarted.Session.Id, CancellationToken.None));

        Assert.True(await Sessions.EndOwnAsync(user.Id, started.Session.Id, CancellationToken.None));
        Assert.Equal(RevocationEventKind.SessionEnded, Assert.Single(Assert.Single(_harness.Feed.Publishes)).Kind);
        Assert.Empty(await Sessions.ListLiveAsync(user.Id, CancellationToken.None));
    }
}
