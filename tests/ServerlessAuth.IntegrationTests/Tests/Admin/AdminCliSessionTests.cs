using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary><c>sessions list|end|end-everyone</c>, run as a child process; their effect is checked over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliSessionTests(AdminScenarioFixture fixture, AzuriteFixture azurite) : IClassFixture<AdminScenarioFixture>
{
    private AdminScenario Scenario => fixture.Scenario;

    private AuthApiClient Api => Scenario.Api;

    [Fact]
    public async Task Sessions_list_shows_the_live_sessions_of_that_user_only_and_no_secret()
    {
        var user = await Scenario.Host.AddUserAsync();
        var other = await Scenario.Host.AddUserAsync();
        var laptop = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password, "Laptop/1.0");
        var phone = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password, "Phone/2.0");
        var others = await AdminHttp.LoginAsync(Api, other.Username, TestSettings.Password, "Other/3.0");

        var run = (await Scenario.Cli.RunAsync("sessions", "list", user.Username)).AssertSucceeded();

        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("SESSION", lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        var laptopLine = Assert.Single(lines, l => l.StartsWith(laptop.SessionId, StringComparison.Ordinal));
        var phoneLine = Assert.Single(lines, l => l.StartsWith(phone.SessionId, StringComparison.Ordinal));
        Assert.Contains(" live ", laptopLine, StringComparison.Ordinal);
        Assert.EndsWith("Laptop/1.0", laptopLine, StringComparison.Ordinal);
        Assert.Contains(" live ", phoneLine, StringComparison.Ordinal);
        Assert.EndsWith("Phone/2.0", phoneLine, StringComparison.Ordinal);
        Assert.DoesNotContain(others.SessionId, run.AllOutput, StringComparison.Ordinal);
        foreach (var cookie in new[] { laptop.CookieValue, phone.CookieValue })
        {
            Assert.DoesNotContain(cookie.Split('.')[2], run.AllOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Sessions_end_with_an_id_ends_that_session_only_and_never_another_users_session()
    {
        var user = await Scenario.Host.AddUserAsync();
        var other = await Scenario.Host.AddUserAsync();
        var ended = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var kept = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var others = await AdminHttp.LoginAsync(Api, other.Username, TestSettings.Password);

        var run = (await Scenario.Cli.RunAsync("sessions", "end", user.Username, ended.SessionId)).AssertSucceeded();
        Assert.Contains($"Ended session {ended.SessionId}", run.StandardOutput, StringComparison.Ordinal);

        await AdminHttp.AssertCookieRefusedAsync(Api, ended.CookieValue);
        await AdminHttp.AssertTokenRefusedAsync(Api, ended.AccessToken);
        await AdminHttp.AssertSessionWorksAsync(Api, kept);

        // Ending it again, or naming another user's session, ends nothing and says so with exit code 1.
        var refused = await Task.WhenAll(
            Scenario.Cli.RunAsync("sessions", "end", user.Username, ended.SessionId),
            Scenario.Cli.RunAsync("sessions", "end", user.Username, others.SessionId));
        Assert.Contains($"No session {ended.SessionId}", refused[0].AssertExitCode(1).AllOutput, StringComparison.Ordinal);
        Assert.Contains($"No session {others.SessionId}", refused[1].AssertExitCode(1).AllOutput, StringComparison.Ordinal);
        await AdminHttp.AssertSessionWorksAsync(Api, others);
    }

    [Fact]
    public async Task Sessions_end_all_ends_every_session_of_the_user_and_refuses_older_tokens_but_a_new_login_works()
    {
        var user = await Scenario.Host.AddUserAsync();
        var other = await Scenario.Host.AddUserAsync();
        var first = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var second = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var secondLaterToken = await Api.GetTokenAsync(second.CookieValue);
        var others = await AdminHttp.LoginAsync(Api, other.Username, TestSettings.Password);

        var run = (await Scenario.Cli.RunAsync("sessions", "end", user.Username, "--all")).AssertSucceeded();
        Assert.Contains($"Ended 2 session(s) of {user.Username}", run.StandardOutput, StringComparison.Ordinal);

        foreach (var session in new[] { first, second })
        {
            await AdminHttp.AssertCookieRefusedAsync(Api, session.CookieValue);
            await AdminHttp.AssertTokenRefusedAsync(Api, session.AccessToken);
        }

        await AdminHttp.AssertTokenRefusedAsync(Api, secondLaterToken);
        await AdminHttp.AssertSessionWorksAsync(Api, others);

        var fresh = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        await AdminHttp.AssertSessionWorksAsync(Api, fresh);
    }

    [Fact]
    public async Task Sessions_end_without_an_id_or_all_fails_with_exit_code_1()
    {
        var user = await Scenario.Host.AddUserAsync();
        var session = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);

        var run = (await Scenario.Cli.RunAsync("sessions", "end", user.Username)).AssertExitCode(1);

        Assert.Contains("--all", run.StandardError, StringComparison.Ordinal);
        await AdminHttp.AssertSessionWorksAsync(Api, session);
    }

    [Fact]
    public async Task Sessions_end_everyone_ends_every_session_of_every_user_and_later_logins_work()
    {
        // A prefix of its own: the cutoff is service-wide.
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var api = scenario.Api;
        var alice = await scenario.Host.AddUserAsync();
        var bob = await scenario.Host.AddUserAsync();
        var sessions = new[]
        {
            await AdminHttp.LoginAsync(api, alice.Username, TestSettings.Password),
            await AdminHttp.LoginAsync(api, alice.Username, TestSettings.Password),
            await AdminHttp.LoginAsync(api, bob.Username, TestSettings.Password),
        };

        var run = (await scenario.Cli.RunAsync("sessions", "end-everyone")).AssertSucceeded();
        Assert.Contains("Ended every session created before", run.StandardOutput, StringComparison.Ordinal);

        foreach (var session in sessions)
        {
            await AdminHttp.AssertCookieRefusedAsync(api, session.CookieValue);
            await AdminHttp.AssertTokenRefusedAsync(api, session.AccessToken);
        }

        await AdminHttp.AssertSessionWorksAsync(api, await AdminHttp.LoginAsync(api, alice.Username, TestSettings.Password));
        await AdminHttp.AssertSessionWorksAsync(api, await AdminHttp.LoginAsync(api, bob.Username, TestSettings.Password));
    }
}
