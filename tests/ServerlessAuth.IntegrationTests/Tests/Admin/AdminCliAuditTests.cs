using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary>Operator actions leave audit records, and <c>audit list</c> reads and filters them.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliAuditTests(AzuriteFixture azurite)
{
    private static IReadOnlyList<string[]> Rows(CliRun run)
    {
        run.AssertSucceeded();
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines is [var only] && only.StartsWith("No audit records match", StringComparison.Ordinal))
        {
            return [];
        }

        Assert.StartsWith("TIME (UTC)", lines[0], StringComparison.Ordinal);
        return [.. lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))];
    }

    /// <summary>A non-cookie login of a user the CLI made: its refresh token.</summary>
    private static async Task<string> RefreshTokenOfAsync(AdminScenario scenario, string name, string password)
    {
        using var response = await scenario.Api.LoginForTokensRawAsync(name, password);
        await Responses.AssertStatusAsync(response, System.Net.HttpStatusCode.OK, "login?useCookies=false");
        return (await Responses.ReadJsonAsync(response)).GetProperty("refresh_token").GetString()!;
    }

    /// <summary>Fields of a row: date, time, kind, user, client, outcome, ...</summary>
    private static string Kind(string[] row) => row[2];

    [Fact]
    public async Task Every_operator_action_is_recorded_and_audit_list_filters_by_user_kind_and_time()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var name = AuthHost.NewUsername();
        var password = "an operator chose this one";
        (await scenario.AddUserAsync(name, password)).AssertSucceeded();                          // user_added
        var user = (await scenario.Host.Service<Users.UserAdministration>().FindAsync(name, CancellationToken.None))!;
        var session = await AdminHttp.LoginAsync(scenario.Api, name, password);
        var cli = await RefreshTokenOfAsync(scenario, name, password);
        (await scenario.Cli.RunAsync("sessions", "end", name, session.SessionId)).AssertSucceeded(); // session_ended_by_admin
        var next = (await scenario.Api.RefreshAsync(cli)).RefreshToken;                             // another session: still works
        (await scenario.Cli.RunAsync("sessions", "end", name, "--all")).AssertSucceeded();           // session_ended_by_admin
        await scenario.Api.AssertRefreshRefusedAsync(next);
        (await scenario.Cli.RunAsync("users", "unlock", name)).AssertSucceeded();                   // user_unlocked
        (await scenario.Cli.RunAsync("users", "disable", name)).AssertSucceeded();                  // user_disabled
        (await scenario.Cli.RunAsync("users", "enable", name)).AssertSucceeded();                   // user_enabled
        var original = Assert.Single(await scenario.Host.Service<SigningKeys.ISigningKeyAdministration>().ListAsync(CancellationToken.None)).Id;
        (await scenario.Cli.RunAsync("keys", "rotate")).AssertSucceeded();                          // key_rotated
        (await scenario.Cli.RunAsync("keys", "disable", original)).AssertSucceeded();               // key_disabled
        var beforeEveryone = await RefreshTokenOfAsync(scenario, name, password);
        (await scenario.Cli.RunAsync("sessions", "end-everyone")).AssertSucceeded();                // everyone_logged_out
        await scenario.Api.AssertRefreshRefusedAsync(beforeEveryone);

        var all = Rows(await scenario.Cli.RunAsync("audit", "list", "--since", "1h"));
        foreach (var kind in new[] { "user_added", "user_unlocked", "user_disabled", "user_enabled", "key_rotated", "key_disabled", "everyone_logged_out" })
        {
            Assert.Single(all, r => Kind(r) == kind);
        }

        Assert.Equal(2, all.Count(r => Kind(r) == "session_ended_by_admin"));
        Assert.All(all.Where(r => Kind(r) != "login_succeeded"), r => Assert.Equal("ok", r[5]));
        Assert.Contains(all, r => Kind(r) == "login_succeeded" && r[3] == user.Id);

        var byUser = Rows(await scenario.Cli.RunAsync("audit", "list", "--user", name, "--kind", "session_ended_by_admin"));
        Assert.Equal(2, byUser.Count);
        Assert.All(byUser, r => Assert.Equal(user.Id, r[3]));
        Assert.Empty(Rows(await scenario.Cli.RunAsync("audit", "list", "--kind", "key_rotated", "--user", name)));

        var run = await scenario.Cli.RunAsync("audit", "list", "--since", "1h");
        Assert.DoesNotContain(password, run.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(session.CookieValue.Split('.')[2], run.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(session.AccessToken, run.AllOutput, StringComparison.Ordinal);

        (await scenario.Cli.RunAsync("audit", "list", "--since", "yesterday")).AssertExitCode(1);
        (await scenario.Cli.RunAsync("audit", "list", "--kind", "nonsense")).AssertExitCode(1);
        (await scenario.Cli.RunAsync("audit", "list", "--user", "nobody-" + Guid.NewGuid().ToString("N")[..6])).AssertExitCode(1);
    }
    [Fact]
    public async Task Output_is_quiet_columns_are_separated_json_is_json_and_empty_lists_say_so()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var name = AuthHost.NewUsername();
        const string password = "an operator chose this one";

        // A successful command writes nothing to stderr: no audit log lines without --verbose.
        var added = (await scenario.AddUserAsync(name, password)).AssertSucceeded();
        Assert.Equal("", added.StandardError);
        var sessionsNone = (await scenario.Cli.RunAsync("sessions", "list", name)).AssertSucceeded();
        Assert.Equal($"{name} has no sessions.", sessionsNone.StandardOutput.Trim());
        Assert.Equal("No API clients registered; 'clients add <client-id>' registers one.", (await scenario.Cli.RunAsync("clients", "list")).AssertSucceeded().StandardOutput.Trim());
        var noneYet = (await scenario.Cli.RunAsync("audit", "list", "--kind", "client_added")).AssertSucceeded();
        Assert.StartsWith("No audit records match", noneYet.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("[]", (await scenario.Cli.RunAsync("audit", "list", "--kind", "client_added", "--json")).AssertSucceeded().StandardOutput.Trim());

        var session = await AdminHttp.LoginAsync(scenario.Api, name, password, userAgent: "curl/7.88.1");
        var verbose = (await scenario.Cli.RunAsync("users", "unlock", name, "--verbose")).AssertSucceeded();
        Assert.Contains("user_unlocked", verbose.StandardError, StringComparison.Ordinal);

        var table = (await scenario.Cli.RunAsync("audit", "list", "--user", name, "--kind", "login_succeeded")).AssertSucceeded();
        var row = Assert.Single(table.StandardOutput.Split('\n'), l => l.Contains("login_succeeded", StringComparison.Ordinal));
        Assert.Matches($"session={session.SessionId} {{2,}}curl/7.88.1$", row.TrimEnd());
        Assert.Equal("", table.StandardError);

        var json = (await scenario.Cli.RunAsync("audit", "list", "--user", name, "--json")).AssertSucceeded();
        var records = System.Text.Json.JsonDocument.Parse(json.StandardOutput).RootElement.EnumerateArray().ToList();
        var login = Assert.Single(records, r => r.GetProperty("kind").GetString() == "login_succeeded");
        Assert.Equal("curl/7.88.1", login.GetProperty("userAgent").GetString());
        Assert.EndsWith($"session={session.SessionId}", login.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(records, r => r.GetProperty("kind").GetString() == "user_unlocked");
    }
}
