using ServerlessAuth.Sessions;
using ServerlessAuth.Storage;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.Fakes;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

public sealed class TokenRevocationTests
{
    private const string Revoked = "The token has been revoked.";

    private readonly AuthHarness _harness = new(configure: o =>
    {
        o.SessionIdleTimeout = TimeSpan.FromMinutes(2);
        o.AccessTokenLifetime = TimeSpan.FromMinutes(10);
    });

    private async Task<(UserAccount User, Session Session, IssuedAccessToken Token)> LoggedInAsync()
    {
        var (user, session) = await _harness.AddUserWithSessionAsync();
        return (user, session, await _harness.IssueAsync(user, session));
    }

    [Fact]
    public async Task Valid_token_of_a_live_session_is_accepted_after_one_read_of_each_store()
    {
        var (user, session, token) = await LoggedInAsync();

        var result = await _harness.ValidateAsync(token.Token);

        Assert.True(result.IsValid, result.Error);
        Assert.Equal(user.Id, result.Claims!.Subject);
        Assert.Equal(session.Id, result.Claims.SessionId);
        Assert.Equal(1, _harness.RevokedTokens.IsRevokedCalls);
        Assert.Equal(1, _harness.Sessions.FindCalls);
        Assert.Equal(1, _harness.Users.FindByIdCalls);
        Assert.Equal(1, _harness.SessionCutoff.GetCalls);
    }

    [Fact]
    public async Task Revoked_jti_is_refused()
    {
        var (_, _, token) = await LoggedInAsync();
        await _harness.RevokedTokens.RevokeAsync(token.Claims.TokenId, token.Claims.ExpiresAt, CancellationToken.None);

        Assert.Equal(Revoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Revoking_one_token_leaves_the_others_of_the_session_valid()
    {
        var (user, session, first) = await LoggedInAsync();
        var second = await _harness.IssueAsync(user, session);
        await _harness.RevokedTokens.RevokeAsync(first.Claims.TokenId, first.Claims.ExpiresAt, CancellationToken.None);

        Assert.False((await _harness.ValidateAsync(first.Token)).IsValid);
        Assert.True((await _harness.ValidateAsync(second.Token)).IsValid);
    }

    [Fact]
    public async Task Token_of_an_ended_session_is_refused()
    {
        var (user, session, token) = await LoggedInAsync();
        Assert.True(await _harness.Sessions.DeleteAsync(user.Id, session.Id, CancellationToken.None));

        Assert.Equal("The session has ended.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_of_an_idle_session_is_refused()
    {
        var (_, _, token) = await LoggedInAsync();

        // The token itself (10 minutes) is still good; the session idled out after 2.
        _harness.Time.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal("The session has expired.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_of_a_session_past_its_absolute_end_is_refused()
    {
        var (user, _) = await _harness.AddUserWithSessionAsync();
        var now = _harness.Time.GetUtcNow();
        var shortSession = new Session
        {
            UserId = user.Id,
            Id = AuthHarness.NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + TimeSpan.FromMinutes(1),
        };
        await _harness.Sessions.CreateAsync(shortSession, CancellationToken.None);
        var token = await _harness.IssueAsync(user, shortSession);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        _harness.Time.Advance(TimeSpan.FromSeconds(61));

        Assert.Equal("The session has expired.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_of_a_disabled_user_is_refused()
    {
        var (user, _, token) = await LoggedInAsync();
        Assert.True(await _harness.Users.SetDisabledAsync(user.Id, true, CancellationToken.None));

        Assert.Equal("The account is not active.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_of_a_user_no_longer_stored_is_refused()
    {
        var ghost = AuthHarness.NewUser("ghost"); // never added to the user store
        var (_, session) = await AddSessionAsync(ghost);
        var token = await _harness.IssueAsync(ghost, session);

        Assert.Equal("The account is not active.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_issued_before_the_users_TokensValidAfter_is_refused()
    {
        var (user, _, token) = await LoggedInAsync();
        _harness.Time.Advance(_harness.Auth.ClockSkew + TimeSpan.FromSeconds(5));
        await _harness.Users.SetTokensValidAfterAsync(user.Id, token.Claims.IssuedAt + _harness.Auth.ClockSkew + TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.Equal(Revoked, (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task TokensValidAfter_earlier_than_iat_does_not_refuse()
    {
        var (user, _, token) = await LoggedInAsync();
        await _harness.Users.SetTokensValidAfterAsync(user.Id, token.Claims.IssuedAt - TimeSpan.FromSeconds(1), CancellationToken.None);

        // The session was created at the same instant as the token, after TokensValidAfter.
        var result = await _harness.ValidateAsync(token.Token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Token_issued_after_global_logout_within_the_same_second_is_accepted()
    {
        // iat has whole seconds, TokensValidAfter does not: the check must not make a fresh token look older.
        var sessions = _harness.SessionService;
        var logout = _harness.Logout;
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var first = await sessions.StartAsync(user, "browser", CancellationToken.None);

        _harness.Time.Advance(TimeSpan.FromMilliseconds(400));
        var outcome = await logout.LogoutAsync(Logout.LogoutScope.Global, first.Cookie, null, CancellationToken.None);
        Assert.True(outcome.AllTokensRevoked);

        _harness.Time.Advance(TimeSpan.FromMilliseconds(300)); // log in again, same wall-clock second
        var second = await sessions.StartAsync(user, "browser", CancellationToken.None);
        var active = await sessions.ResolveAsync(second.Cookie, CancellationToken.None);
        Assert.NotNull(active);
        var token = await _harness.IssueAsync(active.User, active.Session);

        var result = await _harness.ValidateAsync(token.Token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task TokensValidAfter_alone_spares_a_token_issued_within_the_skew_before_it()
    {
        // Another instance's clock may have stamped iat: the cutoff is a backstop, and global logout ends these through their sessions.
        var (user, _, token) = await LoggedInAsync();
        _harness.Time.Advance(_harness.Auth.ClockSkew - TimeSpan.FromSeconds(1));
        await _harness.Users.SetTokensValidAfterAsync(user.Id, _harness.Time.GetUtcNow(), CancellationToken.None);

        var result = await _harness.ValidateAsync(token.Token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task Token_issued_before_global_logout_within_the_same_second_is_refused()
    {
        var (user, _, token) = await LoggedInAsync();
        _harness.Time.Advance(TimeSpan.FromMilliseconds(400));

        await _harness.SessionService.EndEverythingOfUserAsync(user.Id, CancellationToken.None);

        Assert.Equal(token.Claims.IssuedAt.ToUnixTimeSeconds(), _harness.Time.GetUtcNow().ToUnixTimeSeconds());
        Assert.Equal("The session has ended.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    private async Task<(UserAccount User, Session Session)> AddSessionAsync(UserAccount user)
    {
        var now = _harness.Time.GetUtcNow();
        var session = new Session
        {
            UserId = user.Id,
            Id = AuthHarness.NewSessionId(),
            SecretHash = new byte[32],
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + _harness.Auth.SessionAbsoluteLifetime,
        };
        await _harness.Sessions.CreateAsync(session, CancellationToken.None);
        return (user, session);
    }

    [Fact]
    public async Task Token_of_a_session_created_before_the_service_wide_cutoff_is_refused()
    {
        var (_, _, token) = await LoggedInAsync();
        _harness.Time.Advance(_harness.Auth.ClockSkew + TimeSpan.FromSeconds(1));
        await _harness.SessionCutoff.SetAsync(_harness.Time.GetUtcNow(), CancellationToken.None);

        Assert.Equal("The session has ended.", (await _harness.ValidateAsync(token.Token)).Error);
    }

    [Fact]
    public async Task Token_of_a_session_created_after_the_service_wide_cutoff_is_accepted()
    {
        await _harness.SessionCutoff.SetAsync(_harness.Time.GetUtcNow(), CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var (_, _, token) = await LoggedInAsync();

        var result = await _harness.ValidateAsync(token.Token);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task The_revocation_reads_are_issued_concurrently()
    {
        // Denylist, session, user and the service-wide cutoff: one storage round trip, not four.
        var (_, _, token) = await LoggedInAsync();
        var barrier = new ReadBarrier(participants: 4, timeout: TimeSpan.FromSeconds(5));
        _harness.RevokedTokens.BeforeIsRevoked = barrier.ArriveAndWaitAsync;
        _harness.Sessions.BeforeFind = barrier.ArriveAndWaitAsync;
        _harness.Users.BeforeFindById = barrier.ArriveAndWaitAsync;
        _harness.SessionCutoff.BeforeGet = barrier.ArriveAndWaitAsync;

        var result = await _harness.ValidateAsync(token.Token);

        Assert.Equal(4, barrier.Started);
        Assert.True(result.IsValid, result.Error);
    }

    [Fact]
    public async Task The_barrier_detects_reads_issued_one_after_another()
    {
        // Guards the test above: a sequential caller must fail against the same kind of barrier.
        var (user, session, token) = await LoggedInAsync();
        var barrier = new ReadBarrier(participants: 4, timeout: TimeSpan.FromMilliseconds(200));
        _harness.RevokedTokens.BeforeIsRevoked = barrier.ArriveAndWaitAsync;
        _harness.Sessions.BeforeFind = barrier.ArriveAndWaitAsync;
        _harness.Users.BeforeFindById = barrier.ArriveAndWaitAsync;
        _harness.SessionCutoff.BeforeGet = barrier.ArriveAndWaitAsync;

        var error = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await _harness.RevokedTokens.IsRevokedAsync(token.Claims.TokenId, token.Claims.ExpiresAt, CancellationToken.None);
            await _harness.Sessions.FindAsync(user.Id, session.Id, CancellationToken.None);
            await _harness.Users.FindByIdAsync(user.Id, CancellationToken.None);
            await _harness.SessionCutoff.GetAsync(CancellationToken.None);
        });
        Assert.Contains("Only 1 of 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_store_read_propagates_instead_of_accepting()
    {
        var (_, _, token) = await LoggedInAsync();
        _harness.Sessions.BeforeFind = () => Task.FromException(new StorageUnavailableException("sessions table unreachable"));

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.ValidateAsync(token.Token));
    }
}
