using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// A host whose replica polls only every 10 s, so that what it refuses right after a logout it can only
/// have learnt from the logout itself, not from a poll that happened to come in between.
/// </summary>
public class SlowPollHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Revocation:PollInterval"] = "00:00:10",
        ["Revocation:StalenessBound"] = "00:00:30",
    };
}

public sealed class SlowPollFunctionsHostFixture(AzuriteFixture azurite) : SlowPollHostFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

/// <summary>
/// Read your writes: once POST /logout has answered, the instance that answered refuses the revoked
/// tokens on the very next request, whatever the scope, with no wait for its next poll of the feed.
/// </summary>
public abstract class ReadYourWritesTests(SlowPollHostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    private async Task<(LoggedIn Login, string Token)> SessionWithTokenAsync(Users.UserAccount user)
    {
        var login = await Api.LoginAsync(user);
        return (login, await Api.GetTokenAsync(login.CookieValue));
    }

    /// <summary>Asked once, at once: no retry until a poll.</summary>
    private async Task AssertRefusedNowAsync(string token)
    {
        using var me = await Api.MeAsync(token);
        await Responses.AssertInvalidTokenAsync(me);
    }

    private static void AssertOk(HttpResponseMessage logout) => Assert.Equal(HttpStatusCode.OK, logout.StatusCode);

    [Fact]
    public async Task Local_logout_refuses_the_token_and_its_sessions_other_tokens_at_once()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, token) = await SessionWithTokenAsync(user);
        var sibling = await Api.GetTokenAsync(here.CookieValue);
        await Api.GetMeAsync(token);

        using (var logout = await Api.LogoutAsync(here.CookieValue, token, "local"))
        {
            AssertOk(logout);
        }

        await AssertRefusedNowAsync(token);
        await AssertRefusedNowAsync(sibling);
    }

    [Fact]
    public async Task Bearer_only_logout_refuses_the_token_and_its_session_at_once()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, token) = await SessionWithTokenAsync(user);
        var sibling = await Api.GetTokenAsync(here.CookieValue);
        await Api.GetMeAsync(token);

        using (var logout = await Api.LogoutAsync(null, token, scope: null, ScopeVia.None))
        {
            AssertOk(logout);
        }

        await AssertRefusedNowAsync(token);
        await AssertRefusedNowAsync(sibling);
    }

    [Fact]
    public async Task Global_logout_refuses_every_session_of_the_user_at_once()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, token) = await SessionWithTokenAsync(user);
        var (_, elsewhere) = await SessionWithTokenAsync(user);
        await Api.GetMeAsync(elsewhere);

        using (var logout = await Api.LogoutAsync(here.CookieValue, token, "global"))
        {
            AssertOk(logout);
        }

        await AssertRefusedNowAsync(token);
        await AssertRefusedNowAsync(elsewhere);
    }

    [Fact]
    public async Task Others_logout_refuses_the_other_sessions_at_once_and_keeps_this_one()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, token) = await SessionWithTokenAsync(user);
        var (_, elsewhere) = await SessionWithTokenAsync(user);
        await Api.GetMeAsync(elsewhere);

        using (var logout = await Api.LogoutAsync(here.CookieValue, token, "others"))
        {
            AssertOk(logout);
        }

        await AssertRefusedNowAsync(elsewhere);
        await Api.GetMeAsync(token);
    }

    [Fact]
    public async Task A_logged_out_token_replayed_after_a_new_login_is_refused_at_once()
    {
        var user = await fixture.Host.AddUserAsync();
        var (here, token) = await SessionWithTokenAsync(user);
        using (var logout = await Api.LogoutAsync(here.CookieValue, token))
        {
            AssertOk(logout);
        }

        var (_, fresh) = await SessionWithTokenAsync(user);

        await Api.GetMeAsync(fresh);
        await AssertRefusedNowAsync(token);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class ReadYourWritesTestsOnAspNetCore(SlowPollHostFixture fixture) : ReadYourWritesTests(fixture), IClassFixture<SlowPollHostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class ReadYourWritesTestsOnFunctions(SlowPollFunctionsHostFixture fixture) : ReadYourWritesTests(fixture), IClassFixture<SlowPollFunctionsHostFixture>;
