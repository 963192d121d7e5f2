using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Processes;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Two instances on one storage account whose clocks are 20 s apart (less than Auth:ClockSkew): no
/// revocation may depend on comparing their clocks. A global logout on either ends every session on
/// both, however the clocks stamped their starts; a login right after it on either works at once.
/// </summary>
public abstract class ClockSkewTests
{
    /// <summary>The in-process instance on the system clock; users are added through it.</summary>
    protected abstract AuthHost Fast { get; }

    /// <summary>The instance whose clock is <see cref="Behind"/>.</summary>
    protected abstract AuthApiClient SlowApi { get; }

    protected abstract TimeSpan Behind { get; }

    private AuthApiClient FastApi => Fast.Api;

    private (AuthApiClient Here, AuthApiClient There) Pick(bool logoutOnSlow) => logoutOnSlow ? (SlowApi, FastApi) : (FastApi, SlowApi);

    private static async Task AssertRefusedNowAsync(AuthApiClient api, string token)
    {
        using var me = await api.MeAsync(token);
        await Responses.AssertInvalidTokenAsync(me);
    }

    [Fact]
    public async Task The_slow_instance_really_stamps_with_a_clock_behind()
    {
        var user = await Fast.AddUserAsync();
        var token = await SlowApi.GetTokenAsync((await SlowApi.LoginAsync(user)).CookieValue);

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(Jwt.Decode(token).Payload.GetProperty("iat").GetInt64());
        var behind = DateTimeOffset.UtcNow - issuedAt;
        Assert.True(behind > Behind - TimeSpan.FromSeconds(5), $"The slow instance's iat is only {behind.TotalSeconds:0.#} s behind this clock.");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_global_logout_on_either_instance_refuses_every_sessions_tokens_on_both(bool logoutOnSlow)
    {
        var (here, there) = Pick(logoutOnSlow);
        var user = await Fast.AddUserAsync();
        var onFast = await FastApi.LoginAsync(user);
        var onSlow = await SlowApi.LoginAsync(user);
        string[] tokens = [await FastApi.GetTokenAsync(onFast.CookieValue), await SlowApi.GetTokenAsync(onSlow.CookieValue)];
        foreach (var token in tokens)
        {
            await FastApi.GetMeAsync(token);
            await SlowApi.GetMeAsync(token);
        }

        using (var logout = await here.LogoutAsync((logoutOnSlow ? onSlow : onFast).CookieValue, null, "global"))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            var body = await Responses.ReadJsonAsync(logout);
            Assert.Equal(2, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("allTokensRevoked").GetBoolean());
        }

        foreach (var token in tokens)
        {
            await AssertRefusedNowAsync(here, token);
        }

        foreach (var token in tokens)
        {
            await there.AssertRefusedWithinBoundAsync(token);
        }

        foreach (var api in new[] { FastApi, SlowApi })
        {
            foreach (var login in new[] { onFast, onSlow })
            {
                using var response = await api.TokenAsync(login.CookieValue);
                await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_fresh_login_on_either_instance_right_after_a_global_logout_on_the_other_works_at_once(bool logoutOnSlow)
    {
        var (here, there) = Pick(logoutOnSlow);
        var user = await Fast.AddUserAsync();
        var before = await here.LoginAsync(user);
        using (var logout = await here.LogoutAsync(before.CookieValue, null, "global"))
        {
            Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
        }

        var fresh = await there.LoginAsync(user);
        var token = await there.GetTokenAsync(fresh.CookieValue);
        await there.GetMeAsync(token);

        // The instance that logged out holds the cutoff already, and spares a session begun after it.
        await here.GetMeAsync(token);
        await here.GetTokenAsync(fresh.CookieValue);
    }
}

/// <summary>Both instances in this process; the slow one's <see cref="TimeProvider"/> is 20 s behind.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ClockSkewTestsInProcess(SkewedTwoHostsFixture hosts) : ClockSkewTests, IClassFixture<SkewedTwoHostsFixture>
{
    protected override AuthHost Fast => hosts.Fast;

    protected override AuthApiClient SlowApi => hosts.Slow.Api;

    protected override TimeSpan Behind => SkewedTwoHostsFixture.Behind;
}

/// <summary>An in-process instance and a real host process under faketime, 20 s behind.</summary>
public sealed class FakeTimeHostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private AuthHost? _fast;
    private FakeTimeHostProcess? _slow;

    public AuthHost Fast => _fast ?? throw new InvalidOperationException("The in-process host has not started.");

    public FakeTimeHostProcess Slow => _slow ?? throw new InvalidOperationException("The faketime host has not started.");

    public async Task InitializeAsync()
    {
        _fast = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions());
        _slow = await FakeTimeHostProcess.StartAsync(_fast, SkewedTwoHostsFixture.Behind);
    }

    public async Task DisposeAsync()
    {
        if (_slow is not null)
        {
            await _slow.DisposeAsync();
        }

        if (_fast is not null)
        {
            await _fast.DisposeAsync();
        }
    }
}

[Collection(ProtectedApiCollection.Name)]
public sealed class ClockSkewTestsUnderFaketime(FakeTimeHostFixture hosts) : ClockSkewTests, IClassFixture<FakeTimeHostFixture>
{
    protected override AuthHost Fast => hosts.Fast;

    protected override AuthApiClient SlowApi => hosts.Slow.Api;

    protected override TimeSpan Behind => hosts.Slow.Behind;
}
