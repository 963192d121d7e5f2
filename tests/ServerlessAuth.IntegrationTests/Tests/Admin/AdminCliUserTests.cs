using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary><c>users add|disable|enable|unlock</c>, run as a child process against the prefix a host serves.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliUserTests(AdminScenarioFixture fixture) : IClassFixture<AdminScenarioFixture>
{
    private AdminScenario Scenario => fixture.Scenario;

    private AuthApiClient Api => Scenario.Api;

    [Fact]
    public async Task Users_add_takes_the_password_from_stdin_and_the_user_logs_in_over_http_and_no_name_is_taken_twice()
    {
        const string password = "Pipe-fed passphrase 9431";
        var runs = new List<CliRun>();

        var added = (await Scenario.AddUserAsync("alice", password)).AssertSucceeded();
        runs.Add(added);
        Assert.Contains("Created user alice", added.StandardOutput, StringComparison.Ordinal);

        var session = await AdminHttp.LoginAsync(Api, "alice", password);
        var me = await Api.GetMeAsync(session.AccessToken);
        Assert.Equal("alice", me.GetProperty("name").GetString());
        Assert.Contains(me.GetProperty("sub").GetString()!, added.StandardOutput, StringComparison.Ordinal);

        // The same name, and the same name in other case, are refused: exit code 1 and a message naming the problem.
        foreach (var refused in await Task.WhenAll(Scenario.AddUserAsync("alice", "Another passphrase 2"), Scenario.AddUserAsync("ALICE", "Another passphrase 2")))
        {
            refused.AssertExitCode(1);
            runs.Add(refused);
            Assert.Contains("already taken", refused.StandardError, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Created", refused.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", refused.AllOutput, StringComparison.Ordinal);
        }

        // The first account is untouched: its password still works, the refused ones' do not.
        await AdminHttp.LoginAsync(Api, "alice", password);
        await AdminHttp.RefusedLoginBodyAsync(Api, "alice", "Another passphrase 2");

        Assert.All(runs, run => Assert.DoesNotContain(password, run.AllOutput, StringComparison.Ordinal));
        Assert.All(runs.Skip(1), run => Assert.DoesNotContain("Another passphrase 2", run.AllOutput, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Short#7", "at least 8 characters")]
    [InlineData("", "password is required")]
    public async Task Users_add_refuses_an_unacceptable_password_with_exit_code_1_and_creates_nothing(string password, string message)
    {
        var username = AuthHost.NewUsername();

        var run = (await Scenario.AddUserAsync(username, password)).AssertExitCode(1);

        Assert.Contains(message, run.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", run.StandardOutput);
        Assert.DoesNotContain("   at ", run.AllOutput, StringComparison.Ordinal);
        if (password.Length > 0)
        {
            Assert.DoesNotContain(password, run.AllOutput, StringComparison.Ordinal);
        }

        Assert.Null(await Scenario.Host.Service<UserAdministration>().FindAsync(username, CancellationToken.None));
    }

    [Fact]
    public async Task Users_disable_refuses_login_like_a_wrong_password_and_refuses_existing_tokens_at_once_and_users_enable_restores_login()
    {
        var user = await Scenario.Host.AddUserAsync();
        var session = await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var wrongPassword = await AdminHttp.RefusedLoginBodyAsync(Api, user.Username, TestSettings.Password + "!");

        var disabled = (await Scenario.Cli.RunAsync("users", "disable", user.Username)).AssertSucceeded();
        Assert.Contains($"Disabled {user.Username}", disabled.StandardOutput, StringComparison.Ordinal);

        var disabledLogin = await AdminHttp.RefusedLoginBodyAsync(Api, user.Username, TestSettings.Password);
        Assert.Equal(wrongPassword, disabledLogin);
        await AdminHttp.AssertTokenRefusedAsync(Api, session.AccessToken);
        await AdminHttp.AssertCookieRefusedAsync(Api, session.CookieValue);

        (await Scenario.Cli.RunAsync("users", "enable", user.Username.ToUpperInvariant())).AssertSucceeded();

        await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
    }

    [Theory]
    [InlineData("users disable")]
    [InlineData("users enable")]
    [InlineData("users unlock")]
    [InlineData("sessions list")]
    [InlineData("sessions end", "--all")]
    [InlineData("sessions end", "0123456789abcdef0123456789abcdef")]
    public async Task Every_command_refuses_an_unknown_name_with_exit_code_1_and_the_same_message(string command, string? extra = null)
    {
        var name = AuthHost.NewUsername();
        string[] arguments = [.. command.Split(' '), name, .. extra is null ? Array.Empty<string>() : [extra]];

        var run = (await Scenario.Cli.RunAsync(arguments)).AssertExitCode(1);

        Assert.Equal($"No user named '{name}'.", run.StandardError.Trim());
        Assert.Equal("", run.StandardOutput);
    }

    [Fact]
    public async Task Users_unlock_clears_a_lockout_at_once()
    {
        var user = await Scenario.Host.AddUserAsync();
        for (var i = 0; i < 5; i++)
        {
            await AdminHttp.RefusedLoginBodyAsync(Api, user.Username, $"wrong password {i}");
        }

        using (var locked = await Api.LoginJsonAsync(user.Username, TestSettings.Password))
        {
            await Responses.AssertProblemAsync(locked, HttpStatusCode.TooManyRequests, "too_many_attempts");
        }

        // Any spelling of the name unlocks it: the lockout is kept by normalized name.
        var run = (await Scenario.Cli.RunAsync("users", "unlock", user.Username.ToUpperInvariant())).AssertSucceeded();
        Assert.Contains("Unlocked", run.StandardOutput, StringComparison.Ordinal);

        await AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
    }
}
