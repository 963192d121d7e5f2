using Microsoft.Extensions.Time.Testing;
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

    /// <summary>The login's token first, then each rotation's successor: the last one is current.</summary>
    private async Task<List<SessionCookieValue>> RotateAsync(StartedSession started, int rotations)
    {
        var tokens = new List<SessionCookieValue> { started.Cookie };
        for (var i = 0; i < rotations; i++)
        {
            var outcome = await RefreshAsync(tokens[^1]);
            Assert.Equal(RefreshResult.Rotated, outcome.Result);
            tokens.Add(outcome.RefreshToken!);
        }

        return tokens;
    }

    private Task<Session?> FindAsync(StartedSession started) => _harness.Sessions.FindAsync(started.Session.UserId, started.Session.Id, CancellationToken.None);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(SessionService.RefreshChainDepth)]
    public async Task A_spent_token_of_any_older_generation_ends_the_session_even_within_the_grace_window(int generationsBehind)
    {
        var (user, started) = await LoginAsync();
        var tokens = await RotateAsync(started, generationsBehind);

        // No time passes: the grace window covers only the token the last rotation spent.
        var reuse = await RefreshAsync(tokens[0]);

        Assert.Equal(RefreshResult.ReuseDetected, reuse.Result);
        Assert.Equal(user.Id, reuse.UserId);
        var published = Assert.Single(Assert.Single(_harness.Feed.Publishes));
        Assert.Equal(RevocationEventKind.SessionEnded, published.Kind);
        Assert.Equal(started.Session.Id, published.SessionId);
        Assert.Null(await FindAsync(started));
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(tokens[^1])).Result);
    }

    [Fact]
    public async Task A_token_older_than_the_chain_depth_a_guess_and_another_sessions_spent_token_end_nothing()
    {
        var (user, started) = await LoginAsync();
        var tokens = await RotateAsync(started, SessionService.RefreshChainDepth + 1);
        var (_, otherStarted) = await LoginAsync();
        var otherTokens = await RotateAsync(otherStarted, 3);
        _harness.Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(tokens[0])).Result);
        var guessed = SessionCookieValue.Create(user.Id) with { SessionId = started.Session.Id };
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(guessed)).Result);
        // A spent secret of another session, relabelled with this session's ids, proves nothing about this one.
        var relabelled = otherTokens[1] with { UserId = user.Id, SessionId = started.Session.Id };
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(relabelled)).Result);

        Assert.Empty(_harness.Feed.Publishes);
        Assert.NotNull(await FindAsync(started));
        Assert.NotNull(await FindAsync(otherStarted));
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(tokens[^1])).Result);
    }

    [Fact]
    public async Task The_chain_key_is_made_with_the_session_and_never_changes_so_a_secret_always_has_the_same_successor()
    {
        var (_, started) = await LoginAsync();
        var key = Assert.IsType<byte[]>(started.Session.ChainKey);
        Assert.Equal(32, key.Length);

        var tokens = await RotateAsync(started, 3);

        Assert.Equal(key, (await FindAsync(started))!.ChainKey);
        Assert.Equal(tokens[2], tokens[1].Successor(key));
        Assert.Equal(3, tokens[0].GenerationsBehind((await FindAsync(started))!, SessionService.RefreshChainDepth));
        Assert.Null((await Sessions.StartAsync(AuthHarness.NewUser(), null, CancellationToken.None)).Session.ChainKey);
    }

    [Fact]
    public async Task A_row_without_a_chain_key_gets_one_at_its_next_rotation_and_keeps_it()
    {
        var (_, started) = await LoginAsync();
        // As written before chain keys: never rotated, no key.
        var stored = (await FindAsync(started))!;
        Assert.True(await _harness.Sessions.ReplaceIfUnchangedAsync(stored, stored with { ChainKey = null }, CancellationToken.None));

        var tokens = await RotateAsync(started, 3);

        var key = (await FindAsync(started))!.ChainKey!;
        Assert.Equal(tokens[1], tokens[0].Successor(key));
        Assert.Equal(RefreshResult.ReuseDetected, (await RefreshAsync(tokens[0])).Result);
    }

    [Fact]
    public async Task A_rotation_that_storage_applied_late_and_whose_answer_was_lost_lets_the_client_retry_after_Retry_After()
    {
        var (user, started) = await LoginAsync();
        var store = new FakeTimeProvider(_harness.Time.GetUtcNow());
        _harness.Sessions.StoreClock = store;
        // Storage freezes while the rotation's write is on its way; it lands once storage resumes, but the
        // instance has given up (its storage timeout) and answered 503.
        _harness.Sessions.BeforeReplace = () =>
        {
            _harness.Time.Advance(TimeSpan.FromSeconds(8));
            store.Advance(TimeSpan.FromSeconds(8));
            return Task.CompletedTask;
        };
        _harness.Sessions.AfterReplace = () => throw new Storage.StorageUnavailableException("Table Storage did not answer within 5 s.");
        await Assert.ThrowsAsync<Storage.StorageUnavailableException>(() => RefreshAsync(started.Cookie));
        (_harness.Sessions.BeforeReplace, _harness.Sessions.AfterReplace) = (null, null);

        // The client waits the 503's Retry-After and retries with the only token it holds: 13 s after the
        // instance stamped the rotation, 5 s after storage wrote it.
        _harness.Time.Advance(AuthOptions.UnavailableRetryAfter);
        store.Advance(AuthOptions.UnavailableRetryAfter);
        var retry = await RefreshAsync(started.Cookie);

        Assert.Equal(RefreshResult.RetriedWithinGrace, retry.Result);
        Assert.Equal(started.Cookie.Successor(started.Session.ChainKey!), retry.RefreshToken);
        Assert.Empty(_harness.Feed.Publishes);
        Assert.Equal(RefreshResult.Rotated, (await RefreshAsync(retry.RefreshToken!)).Result);
        Assert.NotNull(await _harness.Sessions.FindAsync(user.Id, started.Session.Id, CancellationToken.None));
    }

    [Fact]
    public async Task The_grace_window_is_measured_on_the_store_clock_not_on_skewed_instance_clocks()
    {
        var (_, started) = await LoginAsync();
        var (_, other) = await LoginAsync();
        var store = new FakeTimeProvider(_harness.Time.GetUtcNow());
        _harness.Sessions.StoreClock = store;

        // Storage saw the window pass, whatever this instance's clock says.
        var otherSuccessor = (await RefreshAsync(other.Cookie)).RefreshToken!;
        store.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(RefreshResult.ReuseDetected, (await RefreshAsync(other.Cookie)).Result);
        Assert.Equal(RefreshResult.Invalid, (await RefreshAsync(otherSuccessor)).Result);

        // This instance's clock runs a minute ahead of the one that rotated; storage saw 2 s pass.
        var successor = (await RefreshAsync(started.Cookie)).RefreshToken!;
        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        store.Advance(TimeSpan.FromSeconds(2));
        var retry = await RefreshAsync(started.Cookie);
        Assert.Equal(RefreshResult.RetriedWithinGrace, retry.Result);
        Assert.Equal(successor, retry.RefreshToken);
    }

    [Fact]
    public void The_default_grace_window_covers_a_retry_after_a_storage_timeout_and_shorter_ones_are_refused_at_start()
    {
        var storage = new Storage.StorageOptions();
        Assert.True(new AuthOptions().RefreshReuseGraceWindow >= storage.OperationTimeout + AuthOptions.UnavailableRetryAfter);

        var validation = new RefreshGraceValidation(Microsoft.Extensions.Options.Options.Create(storage));
        Assert.True(validation.Validate(null, new AuthOptions()).Succeeded);
        Assert.True(validation.Validate(null, new AuthOptions { RefreshReuseGraceWindow = TimeSpan.Zero }).Succeeded);
        var tooShort = validation.Validate(null, new AuthOptions { RefreshReuseGraceWindow = TimeSpan.FromSeconds(9) });
        Assert.True(tooShort.Failed);
        Assert.Contains("Auth:RefreshReuseGraceWindow", tooShort.FailureMessage, StringComparison.Ordinal);
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
