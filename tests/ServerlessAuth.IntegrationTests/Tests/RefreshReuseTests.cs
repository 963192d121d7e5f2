using ServerlessAuth.Audit;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Two instances with no grace window: any second use of a spent refresh token is reuse, so the test
/// needs no waiting for a window to pass.
/// </summary>
public sealed class NoGraceTwoHostsFixture(AzuriteFixture azurite) : TwoHostsFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string> { ["Auth:RefreshReuseGraceWindow"] = "00:00:00" };
}

[Collection(AzuriteCollection.Name)]
public sealed class RefreshReuseTests(NoGraceTwoHostsFixture hosts) : IClassFixture<NoGraceTwoHostsFixture>
{
    [Fact]
    public async Task Reuse_of_a_spent_refresh_token_on_B_ends_the_session_on_every_instance_and_is_audited()
    {
        var user = await hosts.A.AddUserAsync();
        var first = await hosts.A.Api.LoginForTokensAsync(user);
        var rotated = await hosts.A.Api.RefreshAsync(first.RefreshToken);
        await hosts.A.Api.GetMeAsync(rotated.AccessToken);
        await hosts.B.Api.GetMeAsync(rotated.AccessToken);

        // The spent token comes back (a thief, or a client that kept it) through the other instance.
        await hosts.B.Api.AssertRefreshRefusedAsync(first.RefreshToken);

        // Every access token of the session is refused on both instances, within the feed's bound (Replica mode) ...
        await hosts.A.Api.AssertRefusedWithinBoundAsync(rotated.AccessToken);
        await hosts.B.Api.AssertRefusedWithinBoundAsync(rotated.AccessToken);
        await hosts.A.Api.AssertRefusedWithinBoundAsync(first.AccessToken);
        // ... and so is the successor, on either instance.
        await hosts.A.Api.AssertRefreshRefusedAsync(rotated.RefreshToken);
        await hosts.B.Api.AssertRefreshRefusedAsync(rotated.RefreshToken);

        var records = await hosts.A.Service<AuditTrail>().ListSinceAsync(DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
        var reuse = Assert.Single(records, r => r.Kind == AuditKind.RefreshReuseDetected && r.UserId == user.Id);
        Assert.Equal("session_ended", reuse.Outcome);
        Assert.DoesNotContain(first.RefreshToken.Split('.')[^1], reuse.Detail ?? "", StringComparison.Ordinal);
    }
}

/// <summary>Two instances with a grace window far longer than the test's requests take.</summary>
public sealed class LongGraceTwoHostsFixture(AzuriteFixture azurite) : TwoHostsFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string> { ["Auth:RefreshReuseGraceWindow"] = "00:01:00" };
}

[Collection(AzuriteCollection.Name)]
public sealed class ParallelRefreshTwoHostsTests(LongGraceTwoHostsFixture hosts) : IClassFixture<LongGraceTwoHostsFixture>
{
    [Fact]
    public async Task Parallel_refreshes_on_two_instances_rotate_once_and_every_caller_gets_the_same_working_successor()
    {
        var user = await hosts.A.AddUserAsync();
        var first = await hosts.A.Api.LoginForTokensAsync(user);

        var pairs = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(i => (i % 2 == 0 ? hosts.A : hosts.B).Api.RefreshAsync(first.RefreshToken)));

        // The ETag-checked replace let one instance rotate; every other request got the same successor.
        var successor = Assert.Single(pairs.Select(p => p.RefreshToken).Distinct());
        foreach (var pair in pairs)
        {
            await hosts.A.Api.GetMeAsync(pair.AccessToken);
            await hosts.B.Api.GetMeAsync(pair.AccessToken);
        }

        await hosts.B.Api.RefreshAsync(successor);
    }

    [Fact]
    public async Task A_refresh_token_replayed_after_three_rotations_ends_its_session_on_every_instance_though_the_grace_window_is_long()
    {
        var user = await hosts.A.AddUserAsync();
        var first = await hosts.A.Api.LoginForTokensAsync(user);
        var second = await hosts.A.Api.RefreshAsync(first.RefreshToken);
        var third = await hosts.B.Api.RefreshAsync(second.RefreshToken);
        var fourth = await hosts.A.Api.RefreshAsync(third.RefreshToken);
        await hosts.B.Api.GetMeAsync(fourth.AccessToken);

        // A thief replays the first token, three generations old, well within the grace window.
        await hosts.B.Api.AssertRefreshRefusedAsync(first.RefreshToken);

        await hosts.A.Api.AssertRefusedWithinBoundAsync(fourth.AccessToken);
        await hosts.B.Api.AssertRefusedWithinBoundAsync(fourth.AccessToken);
        await hosts.A.Api.AssertRefreshRefusedAsync(fourth.RefreshToken);
        var records = await hosts.A.Service<AuditTrail>().ListSinceAsync(DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
        Assert.Equal("session_ended", Assert.Single(records, r => r.Kind == AuditKind.RefreshReuseDetected && r.UserId == user.Id).Outcome);
    }

    [Fact]
    public async Task A_forged_refresh_token_with_a_real_session_id_ends_nothing()
    {
        var user = await hosts.A.AddUserAsync();
        var first = await hosts.A.Api.LoginForTokensAsync(user);
        var current = (await hosts.A.Api.RefreshAsync((await hosts.A.Api.RefreshAsync(first.RefreshToken)).RefreshToken)).RefreshToken;
        var ids = current.Split('.');

        // The victim's user and session ids, with a secret of the attacker's own session or a made-up one.
        var attacker = await hosts.A.Api.LoginForTokensAsync(await hosts.A.AddUserAsync());
        var attackersCurrent = (await hosts.A.Api.RefreshAsync(attacker.RefreshToken)).RefreshToken;
        await hosts.B.Api.AssertRefreshRefusedAsync($"{ids[0]}.{ids[1]}.{attacker.RefreshToken.Split('.')[2]}");
        await hosts.B.Api.AssertRefreshRefusedAsync($"{ids[0]}.{ids[1]}.{new string('A', 43)}");

        var next = await hosts.B.Api.RefreshAsync(current);
        await hosts.A.Api.GetMeAsync(next.AccessToken);
        await hosts.A.Api.RefreshAsync(attackersCurrent);
    }
}
