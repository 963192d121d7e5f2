using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// The key-rotation runbook (docs/runbooks/key-rotation.md) rehearsed on Azurite with the development
/// key table, through <see cref="KeyRotation"/> as the admin CLI's <c>keys rotate</c> / <c>keys disable</c>
/// call it. Each test has a host (and so a key set) of its own.
/// <para>
/// What the timing relies on: an instance caches the key versions and re-reads them when the
/// revocation feed carries a key event (every rotation and disable publishes one), when it sees a
/// token with an unknown <c>kid</c>, and in the background every <c>SigningKeys:RefreshInterval</c>.
/// The hosts here keep the default minute, so a change seen within the feed's bound can only have
/// come through the feed.
/// </para>
/// </summary>
[Collection(KeyRotationCollection.Name)]
public sealed class KeyRotationTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan FeedBound = AuthApiClient.RevocationBound;

    private Task<AuthHost> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = settings ?? new Dictionary<string, string>() });

    private static string Kid(string token) => Jwt.Decode(token).Header.GetProperty("kid").GetString()!;

    [Fact]
    public async Task After_a_graceful_rotation_old_tokens_still_work_and_new_ones_carry_the_new_kid_within_the_feed_bound()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var before = await host.Api.GetTokenAsync(login.CookieValue);
        var oldKid = Kid(before);

        var outcome = await host.Service<KeyRotation>().RotateAsync(emergency: false, endSessions: false, CancellationToken.None);
        var newKid = outcome.NewVersion.Id;
        Assert.NotEqual(oldKid, newKid);
        Assert.Empty(outcome.DisabledVersions);
        Assert.Null(outcome.SessionsEndedBefore);

        // Still accepted at once (its version is still enabled and cached).
        await host.Api.GetMeAsync(before);

        // The signer switches once this instance has seen the key event and re-read the versions.
        string? fresh = null;
        var took = await Eventually.HoldsAsync(async () =>
        {
            var token = await host.Api.GetTokenAsync(login.CookieValue);
            var kid = Kid(token);
            Assert.True(kid == oldKid || kid == newKid, $"Unexpected kid {kid}");
            fresh = kid == newKid ? token : null;
            return fresh is not null;
        }, FeedBound, $"a new token signed with the new version {newKid}");
        Assert.True(took <= FeedBound, $"took {took}");

        // After the refresh both versions validate: the old token is still good, and so is the new one.
        await host.Api.GetMeAsync(before);
        var me = await host.Api.GetMeAsync(fresh!);
        Assert.Equal(login.UserId, me.GetProperty("sub").GetString());
        Assert.Equal(2, (await host.Service<ISigningKeyAdministration>().ListAsync(CancellationToken.None)).Count(v => v.Enabled));
    }

    [Fact]
    public async Task After_an_emergency_rotation_old_tokens_are_refused_within_the_feed_bound_and_new_ones_work()
    {
        await using var host = await StartHostAsync();
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        var before = await host.Api.GetTokenAsync(login.CookieValue);
        var oldKid = Kid(before);
        await host.Api.GetMeAsync(before);

        var outcome = await host.Service<KeyRotation>().RotateAsync(emergency: true, endSessions: false, CancellationToken.None);
        Assert.Equal([oldKid], outcome.DisabledVersions);
        Assert.Null(outcome.SessionsEndedBefore);

        HttpStatusCode last = 0;
        var took = await Eventually.HoldsAsync(async () =>
        {
            using var me = await host.Api.MeAsync(before);
            last = me.StatusCode;
            Assert.True(last is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"/me answered {(int)last}");
            if (last == HttpStatusCode.Unauthorized)
            {
                await Responses.AssertInvalidTokenAsync(me);
                Assert.Contains("unknown or retired key", me.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }

            return last == HttpStatusCode.Unauthorized;
        }, FeedBound, "the pre-rotation token to be refused");
        Assert.True(took <= FeedBound, $"took {took}");

        // Sessions stay: the same cookie gets a token signed with the new version, and it is accepted.
        var after = await host.Api.GetTokenAsync(login.CookieValue);
        Assert.Equal(outcome.NewVersion.Id, Kid(after));
        await host.Api.GetMeAsync(after);

        // And the old one stays refused.
        using var again = await host.Api.MeAsync(before);
        await Responses.AssertInvalidTokenAsync(again);
    }

    [Fact]
    public async Task End_sessions_makes_old_cookies_useless_at_once_and_their_tokens_within_the_feed_bound_while_a_fresh_login_works()
    {
        await using var host = await StartHostAsync();
        var user = await host.AddUserAsync();
        var login = await host.Api.LoginAsync(user);
        var token = await host.Api.GetTokenAsync(login.CookieValue);

        // As 'keys rotate --emergency --end-sessions'.
        var outcome = await host.Service<KeyRotation>().RotateAsync(emergency: true, endSessions: true, CancellationToken.None);
        Assert.NotNull(outcome.SessionsEndedBefore);

        // The cookie at once (the token endpoint reads the cutoff); the token within the feed's bound.
        using (var tokenResponse = await host.Api.TokenAsync(login.CookieValue))
        {
            await Responses.AssertProblemAsync(tokenResponse, HttpStatusCode.Unauthorized, "no_session");
            Responses.AssertClearsSessionCookie(tokenResponse);
        }

        await host.Api.AssertRefusedWithinBoundAsync(token);

        // A fresh login works, and its token is accepted. Until this instance re-reads the versions it may
        // still sign with the (now disabled) cached version; if the re-read falls between issuing and
        // checking such a token, that token is refused: then simply fetch another.
        var fresh = await host.Api.LoginAsync(user);
        await Eventually.HoldsAsync(async () =>
        {
            var freshToken = await host.Api.GetTokenAsync(fresh.CookieValue);
            using var me = await host.Api.MeAsync(freshToken);
            if (Kid(freshToken) == outcome.NewVersion.Id)
            {
                await Responses.AssertStatusAsync(me, HttpStatusCode.OK, "me with a fresh token signed with the new version");
            }

            Assert.True(me.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"/me answered {(int)me.StatusCode}");
            return me.StatusCode == HttpStatusCode.OK;
        }, FeedBound, "a fresh session's token to be accepted");
    }

    [Fact]
    public async Task Disable_refuses_to_disable_the_only_usable_version_and_allows_it_after_a_rotation()
    {
        await using var host = await StartHostAsync();
        var rotation = host.Service<KeyRotation>();
        var keys = host.Service<ISigningKeyAdministration>();
        var only = Assert.Single(await keys.ListAsync(CancellationToken.None));

        var refused = await rotation.DisableAsync(only.Id, CancellationToken.None);
        Assert.True(refused.Found);
        Assert.True(refused.Refused, refused.Message);
        Assert.Contains("only usable version", refused.Message, StringComparison.Ordinal);
        Assert.True(Assert.Single(await keys.ListAsync(CancellationToken.None)).Enabled);

        var unknown = await rotation.DisableAsync("0123456789abcdef0123456789abcdef", CancellationToken.None);
        Assert.False(unknown.Found);

        // The service still works with it.
        var login = await host.Api.LoginAsync(await host.AddUserAsync());
        await host.Api.GetMeAsync(await host.Api.GetTokenAsync(login.CookieValue));

        // After a graceful rotation the old version may go; then the new one is the only one, and is kept.
        var rotated = await rotation.RotateAsync(emergency: false, endSessions: false, CancellationToken.None);
        var disabled = await rotation.DisableAsync(only.Id, CancellationToken.None);
        Assert.True(disabled.Found);
        Assert.False(disabled.Refused, disabled.Message);
        var keptNew = await rotation.DisableAsync(rotated.NewVersion.Id, CancellationToken.None);
        Assert.True(keptNew.Refused, keptNew.Message);

        var versions = await keys.ListAsync(CancellationToken.None);
        Assert.False(versions.Single(v => v.Id == only.Id).Enabled);
        Assert.True(versions.Single(v => v.Id == rotated.NewVersion.Id).Enabled);
    }

    [Fact]
    public async Task A_token_signed_by_another_instance_with_a_version_this_one_has_not_loaded_is_accepted_at_once()
    {
        // Host A re-reads versions only every minute (the default) and polls the feed only every 30 s (so
        // not again within this test), so only the unknown-kid refresh can make it accept a version
        // created after its last read.
        await using var a = await StartHostAsync(new Dictionary<string, string>
        {
            ["Revocation:PollInterval"] = "00:00:30",
            ["Revocation:StalenessBound"] = "00:05:00",
        });
        var user = await a.AddUserAsync();
        var onA = await a.Api.LoginAsync(user);
        var first = await a.Api.GetTokenAsync(onA.CookieValue);
        var oldKid = Kid(first);
        await a.Api.GetMeAsync(first); // answered only once A's first feed poll is done: it began before the rotation

        // Rotated by another party (as the admin CLI does): A's own publishes would reach its replica at once.
        RotationOutcome rotated;
        await using (var other = await a.StartSiblingAsync())
        {
            rotated = await other.Service<KeyRotation>().RotateAsync(emergency: false, endSessions: false, CancellationToken.None);
        }

        // B starts after the rotation (a newly scaled-out instance), so it signs with the new version.
        await using var b = await a.StartSiblingAsync();
        var onB = await b.Api.LoginAsync(user);
        var fromB = await b.Api.GetTokenAsync(onB.CookieValue);
        Assert.Equal(rotated.NewVersion.Id, Kid(fromB));

        // A has not re-read the versions: it still signs with the old one.
        Assert.Equal(oldKid, Kid(await a.Api.GetTokenAsync(onA.CookieValue)));

        // Yet it accepts B's token at once: the unknown kid makes it re-read the versions.
        var me = await a.Api.GetMeAsync(fromB);
        Assert.Equal(user.Id, me.GetProperty("sub").GetString());

        // That refresh also moved A's signer to the new version.
        Assert.Equal(rotated.NewVersion.Id, Kid(await a.Api.GetTokenAsync(onA.CookieValue)));
    }
}
