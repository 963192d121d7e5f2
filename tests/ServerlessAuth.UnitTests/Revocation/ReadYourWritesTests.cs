using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Http;
using ServerlessAuth.Logout;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Tokens;
using ServerlessAuth.UnitTests.TestSupport;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// An instance refuses what it has just revoked before it answers, without waiting for its next poll;
/// the replica still claims to be current only as of its last completed poll, and the poll that reads
/// the same events again applies nothing twice.
/// </summary>
public sealed class ReadYourWritesTests
{
    private const string Ended = "The session has ended.";

    private readonly AuthHarness _harness = new(mode: RevocationMode.Replica, appliesOwnWrites: true);

    private DateTimeOffset Now => _harness.Time.GetUtcNow();

    private int StoreReads =>
        _harness.Sessions.FindCalls + _harness.RevokedTokens.IsRevokedCalls + _harness.Users.FindByIdCalls + _harness.SessionCutoff.GetCalls;

    private async Task<(UserAccount User, StartedSession Session, IssuedAccessToken Token)> LoggedInAsync()
    {
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var started = await _harness.SessionService.StartAsync(user, "browser", CancellationToken.None);
        return (user, started, await _harness.IssueAsync(user, started.Session));
    }

    [Theory]
    [InlineData(LogoutScope.Local)]
    [InlineData(LogoutScope.Global)]
    public async Task A_logout_is_refused_here_before_the_next_poll(LogoutScope scope)
    {
        var (user, here, token) = await LoggedInAsync();
        var elsewhere = await _harness.SessionService.StartAsync(user, "phone", CancellationToken.None);
        var elsewhereToken = await _harness.IssueAsync(user, elsewhere.Session);
        await _harness.PollAsync();
        var asOf = _harness.Replica.CurrentAsOf;
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);

        await _harness.Logout.LogoutAsync(scope, here.Cookie, token.Token, CancellationToken.None);
        var readsBefore = StoreReads;

        Assert.Equal(RevocationReplica.TokenRevoked, (await _harness.ValidateAsync(token.Token)).Error);
        var other = await _harness.ValidateAsync(elsewhereToken.Token);
        if (scope == LogoutScope.Global)
        {
            Assert.Equal(Ended, other.Error);
        }
        else
        {
            Assert.True(other.IsValid, other.Error);
        }

        Assert.Equal(readsBefore, StoreReads);
        Assert.Equal(asOf, _harness.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task Others_logout_refuses_the_other_sessions_here_at_once_and_keeps_this_one()
    {
        var (user, here, token) = await LoggedInAsync();
        var elsewhere = await _harness.SessionService.StartAsync(user, "phone", CancellationToken.None);
        var elsewhereToken = await _harness.IssueAsync(user, elsewhere.Session);
        await _harness.PollAsync();

        await _harness.Logout.LogoutAsync(LogoutScope.Others, here.Cookie, token.Token, CancellationToken.None);

        Assert.Equal(Ended, (await _harness.ValidateAsync(elsewhereToken.Token)).Error);
        Assert.True((await _harness.ValidateAsync(token.Token)).IsValid);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Serving_hosts_publish_through_their_replica_and_the_admin_cli_straight_to_the_feed(bool serving)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AuthStorage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Auth:Issuer"] = AuthHarness.Issuer,
            ["Auth:Audience"] = AuthHarness.Audience,
        });
        builder.Services.AddServerlessAuthCore(builder.Configuration).AddServerlessAuthTableStorage(builder.Configuration);
        if (serving)
        {
            builder.Services.AddServerlessAuthHttp();
        }

        using var host = builder.Build();
        var feed = host.Services.GetRequiredService<IRevocationFeed>();

        Assert.Equal(serving ? typeof(LocallyAppliedRevocationFeed) : typeof(TableRevocationFeed), feed.GetType());
        Assert.Same(feed, host.Services.GetRequiredService<IRevocationFeedReader>());
    }

    [Fact]
    public async Task A_local_apply_does_not_make_a_replica_current()
    {
        // Never polled: what it published itself says nothing about the rest of the feed.
        var (_, here, token) = await LoggedInAsync();

        await _harness.Logout.LogoutAsync(LogoutScope.Local, here.Cookie, token.Token, CancellationToken.None);

        Assert.Null(_harness.Replica.CurrentAsOf);
        Assert.False(_harness.Replica.IsCurrent(Now));
        Assert.Equal(ReplicaAnswer.Stale, _harness.Replica.Check(token.Claims, out _));
    }

    [Fact]
    public async Task A_poll_that_reads_a_published_event_again_applies_it_once()
    {
        var feed = new LocallyAppliedRevocationFeed(_harness.Feed, _harness.Replica, _harness.Keys);
        await _harness.PollAsync();
        var keyEvent = RevocationEvent.SigningKeysChanged(Now);
        var (user, started, _) = await LoggedInAsync();
        var ended = RevocationEvent.SessionEnded(user.Id, started.Session.Id, Now);

        await feed.PublishAsync([keyEvent, ended], CancellationToken.None);
        Assert.Equal(1, _harness.Replica.TrackedCount);

        // The key event is news only once: a poll reading it again does not ask for another key reload.
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_harness.Replica.Apply(await _harness.Feed.ReadSinceAsync(Now - TimeSpan.FromMinutes(1), CancellationToken.None), Now));
        Assert.Equal(1, _harness.Replica.TrackedCount);
        Assert.Equal(Now, _harness.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task Local_applies_polls_and_checks_may_run_at_once()
    {
        await _harness.PollAsync();
        var user = AuthHarness.NewUser();
        _harness.Users.Add(user);
        var session = (await _harness.SessionService.StartAsync(user, "browser", CancellationToken.None)).Session;
        var tokens = new List<IssuedAccessToken>();
        for (var i = 0; i < 400; i++)
        {
            tokens.Add(await _harness.IssueAsync(user, session));
        }

        var feed = new LocallyAppliedRevocationFeed(_harness.Feed, _harness.Replica, _harness.Keys);
        var now = Now;
        using var done = new CancellationTokenSource();
        var publishers = tokens.Chunk(100).Select(chunk => Task.Run(async () =>
        {
            foreach (var token in chunk)
            {
                await feed.PublishAsync([RevocationEvent.TokenRevoked(token.Claims.TokenId, token.Claims.ExpiresAt, now)], CancellationToken.None);
            }
        })).ToList();
        var poller = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                _harness.Replica.Apply(await _harness.Feed.ReadSinceAsync(now - TimeSpan.FromMinutes(1), CancellationToken.None), now);
            }
        });
        var checker = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                foreach (var token in tokens)
                {
                    _harness.Replica.Check(token.Claims, out _);
                }
            }
        });

        await Task.WhenAll(publishers);
        await done.CancelAsync();
        await Task.WhenAll(poller, checker);

        Assert.All(tokens, token =>
        {
            Assert.Equal(ReplicaAnswer.Refuse, _harness.Replica.Check(token.Claims, out var refusal));
            Assert.Equal(RevocationReplica.TokenRevoked, refusal);
        });
        Assert.Equal(tokens.Count, _harness.Replica.TrackedCount);
    }
}
