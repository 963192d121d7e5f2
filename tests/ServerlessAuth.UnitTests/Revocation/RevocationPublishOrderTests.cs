using ServerlessAuth.Logout;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// Every write path broadcasts on the feed before it changes a table: when the publish fails, no
/// session row is gone and no denylist or cutoff row is written, so no replica can miss a change the
/// tables already show.
/// </summary>
public sealed class RevocationPublishOrderTests
{
    private readonly AuthHarness _harness = new();

    private DateTimeOffset Now => _harness.Time.GetUtcNow();

    private void FailPublishing() =>
        _harness.Feed.BeforePublish = () => Task.FromException(new StorageUnavailableException("revocation feed unreachable"));

    private async Task<(UserAccount User, StartedSession First, StartedSession Second)> UserWithTwoSessionsAsync()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var first = await _harness.SessionService.StartAsync(user, "browser", CancellationToken.None);
        var second = await _harness.SessionService.StartAsync(user, "phone", CancellationToken.None);
        return (user, first, second);
    }

    private async Task<IReadOnlyList<string>> SessionIdsAsync(UserAccount user) =>
        (await _harness.Sessions.ListAsync(user.Id, CancellationToken.None)).Select(s => s.Id).Order(StringComparer.Ordinal).ToList();

    private static IReadOnlyList<string> Ids(params StartedSession[] sessions) =>
        sessions.Select(s => s.Session.Id).Order(StringComparer.Ordinal).ToList();

    private Task<bool> IsDenylistedAsync(IssuedAccessToken token) =>
        _harness.RevokedTokens.IsRevokedAsync(token.Claims.TokenId, token.Claims.ExpiresAt, CancellationToken.None);

    [Fact]
    public async Task EndAsync_deletes_nothing_when_the_publish_fails()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        FailPublishing();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.SessionService.EndAsync(user.Id, first.Session.Id, CancellationToken.None));

        Assert.Equal(Ids(first, second), await SessionIdsAsync(user));
        Assert.Empty(_harness.Feed.Publishes);
    }

    [Fact]
    public async Task EndAsync_publishes_the_session_end_then_deletes_the_row()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();

        Assert.True(await _harness.SessionService.EndAsync(user.Id, first.Session.Id, CancellationToken.None));

        var published = Assert.Single(Assert.Single(_harness.Feed.Publishes));
        Assert.Equal(RevocationEventKind.SessionEnded, published.Kind);
        Assert.Equal((user.Id, first.Session.Id), (published.Subject, published.SessionId));
        Assert.Equal(Ids(second), await SessionIdsAsync(user));
    }

    [Fact]
    public async Task EndAllAsync_deletes_nothing_when_the_publish_fails()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        FailPublishing();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.SessionService.EndAllAsync(user.Id, first.Session.Id, CancellationToken.None));

        Assert.Equal(Ids(first, second), await SessionIdsAsync(user));
    }

    [Fact]
    public async Task EndEverythingOfUserAsync_writes_no_cutoff_and_deletes_nothing_when_the_publish_fails()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        FailPublishing();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None));

        Assert.Null(_harness.Users[user.Id]!.TokensValidAfter);
        Assert.Equal(Ids(first, second), await SessionIdsAsync(user));
    }

    [Fact]
    public async Task EndEverythingOfUserAsync_publishes_every_session_end_with_the_cutoff_it_writes_in_one_call()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        _harness.Time.Advance(TimeSpan.FromMilliseconds(1234));

        Assert.Equal(2, await _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None));

        // Each session is ended by its own event, whatever clocks stamped its start and the cutoff.
        var events = Assert.Single(_harness.Feed.Publishes);
        var cutoff = Assert.Single(events, e => e.Kind == RevocationEventKind.UserCutoff);
        Assert.Equal(user.Id, cutoff.Subject);
        Assert.Equal(Now, cutoff.Instant);
        Assert.Equal(Ids(first, second), EndedSessionIds(events, user));
        Assert.Equal(3, events.Count);
        Assert.Equal(Now, _harness.Users[user.Id]!.TokensValidAfter);
        Assert.Empty(await SessionIdsAsync(user));
    }

    [Fact]
    public async Task EndEverythingOfUserAsync_splits_only_what_one_feed_write_cannot_hold()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var started = new List<StartedSession>();
        for (var i = 0; i < 150; i++)
        {
            started.Add(await _harness.SessionService.StartAsync(user, "device", CancellationToken.None));
        }

        Assert.Equal(150, await _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None));

        var publishes = _harness.Feed.Publishes;
        Assert.Equal([100, 51], publishes.Select(p => p.Count));
        var events = publishes.SelectMany(p => p).ToList();
        Assert.Single(events, e => e.Kind == RevocationEventKind.UserCutoff);
        Assert.Equal(Ids([.. started]), EndedSessionIds(events, user));
    }

    private static List<string> EndedSessionIds(IEnumerable<RevocationEvent> events, UserAccount user) =>
        events.Where(e => e.Kind == RevocationEventKind.SessionEnded)
            .Select(e => Assert.IsType<string>(e.Subject == user.Id ? e.SessionId : null))
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task EndEverySessionAsync_writes_no_cutoff_when_the_publish_fails()
    {
        FailPublishing();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.SessionService.EndEverySessionAsync(CancellationToken.None));

        Assert.Null(await _harness.SessionCutoff.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EndEverySessionAsync_publishes_the_cutoff_it_writes()
    {
        var cutoff = await _harness.SessionService.EndEverySessionAsync(CancellationToken.None);

        var published = Assert.Single(Assert.Single(_harness.Feed.Publishes));
        Assert.Equal(RevocationEventKind.ServiceCutoff, published.Kind);
        Assert.Equal(cutoff, published.Instant);
        Assert.Equal(cutoff, await _harness.SessionCutoff.GetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EndEverySessionAsync_ends_the_sessions_its_cutoff_spares_by_their_own_events_and_rows()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var old = await _harness.SessionService.StartAsync(user, "old", CancellationToken.None);
        _harness.Time.Advance(2 * _harness.Auth.ClockSkew + TimeSpan.FromSeconds(1));
        var recent = await _harness.SessionService.StartAsync(user, "recent", CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromSeconds(5));

        var cutoff = await _harness.SessionService.EndEverySessionAsync(CancellationToken.None);

        // The old one is the cutoff's; the recent one, within the skew of it, is ended explicitly.
        var events = Assert.Single(_harness.Feed.Publishes);
        Assert.Equal(cutoff, Assert.Single(events, e => e.Kind == RevocationEventKind.ServiceCutoff).Instant);
        Assert.Equal(Ids(recent), EndedSessionIds(events, user));
        Assert.Equal(Ids(old), await SessionIdsAsync(user));
    }

    [Theory]
    [InlineData(LogoutScope.Local)]
    [InlineData(LogoutScope.Others)]
    [InlineData(LogoutScope.Global)]
    public async Task Logout_changes_no_table_when_the_publish_fails(LogoutScope scope)
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        var token = await _harness.IssueAsync(user, first.Session);
        FailPublishing();

        await Assert.ThrowsAsync<StorageUnavailableException>(() =>
            _harness.Logout.LogoutAsync(scope, first.Cookie, token.Token, CancellationToken.None));

        Assert.Equal(Ids(first, second), await SessionIdsAsync(user));
        Assert.False(await IsDenylistedAsync(token));
        Assert.Null(_harness.Users[user.Id]!.TokensValidAfter);
    }

    [Fact]
    public async Task Local_logout_publishes_the_session_end_and_the_token_revocation_in_one_call()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        var token = await _harness.IssueAsync(user, first.Session);

        var outcome = await _harness.Logout.LogoutAsync(LogoutScope.Local, first.Cookie, token.Token, CancellationToken.None);

        Assert.Equal(1, outcome.SessionsEnded);
        Assert.Equal(token.Claims.TokenId, outcome.RevokedTokenId);
        var events = Assert.Single(_harness.Feed.Publishes);
        Assert.Equal(2, events.Count);
        var ended = Assert.Single(events, e => e.Kind == RevocationEventKind.SessionEnded);
        Assert.Equal((user.Id, first.Session.Id), (ended.Subject, ended.SessionId));
        var revoked = Assert.Single(events, e => e.Kind == RevocationEventKind.TokenRevoked);
        Assert.Equal(token.Claims.TokenId, revoked.TokenId);
        Assert.Equal(token.Claims.ExpiresAt, revoked.Instant);
        Assert.Equal(Ids(second), await SessionIdsAsync(user));
        Assert.True(await IsDenylistedAsync(token));
    }

    [Fact]
    public async Task Global_logout_publishes_the_session_ends_the_user_cutoff_and_the_token_revocation_in_one_call()
    {
        var (user, first, second) = await UserWithTwoSessionsAsync();
        var token = await _harness.IssueAsync(user, first.Session);

        var outcome = await _harness.Logout.LogoutAsync(LogoutScope.Global, first.Cookie, token.Token, CancellationToken.None);

        Assert.Equal(2, outcome.SessionsEnded);
        var events = Assert.Single(_harness.Feed.Publishes);
        Assert.Equal(4, events.Count);
        Assert.Equal(user.Id, Assert.Single(events, e => e.Kind == RevocationEventKind.UserCutoff).Subject);
        Assert.Equal(token.Claims.TokenId, Assert.Single(events, e => e.Kind == RevocationEventKind.TokenRevoked).TokenId);
        Assert.Equal(Ids(first, second), EndedSessionIds(events, user));
        Assert.True(await IsDenylistedAsync(token));
        Assert.Empty(await SessionIdsAsync(user));
    }

    [Fact]
    public async Task A_local_logout_reaches_a_replica_through_the_feed()
    {
        var replica = new AuthHarness(mode: RevocationMode.Replica);
        var user = AuthHarness.NewUser();
        replica.Users.Add(user);
        var started = await replica.SessionService.StartAsync(user, "browser", CancellationToken.None);
        var token = await replica.IssueAsync(user, started.Session);
        var sibling = await replica.IssueAsync(user, started.Session);
        await replica.PollAsync();
        Assert.True((await replica.ValidateAsync(token.Token)).IsValid);

        await replica.Logout.LogoutAsync(LogoutScope.Local, started.Cookie, token.Token, CancellationToken.None);
        replica.Time.Advance(TimeSpan.FromSeconds(1));
        await replica.PollAsync();
        var findsBefore = replica.Sessions.FindCalls;

        Assert.Equal(RevocationReplica.TokenRevoked, (await replica.ValidateAsync(token.Token)).Error);
        Assert.Equal(RevocationReplica.SessionEnded, (await replica.ValidateAsync(sibling.Token)).Error);
        Assert.Equal(findsBefore, replica.Sessions.FindCalls);
    }
}
