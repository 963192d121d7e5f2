using System.Net;
using System.Net.Sockets;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary>
/// Key Vault and storage trouble, met by the real CLI process: every command exits with 2 and one line
/// on stderr naming the endpoint, what failed and the fix; a stack trace only with --verbose.
/// </summary>
public sealed class AdminCliFailureTests : IAsyncLifetime
{
    private const string Password = "a-long-password-for-tests";
    private const string UnknownVersion = "0123456789abcdef0123456789abcdef";

    /// <summary>An Azurite of this class's own, stopped by the storage test, so no other class loses its storage.</summary>
    private readonly AzuriteFixture _azurite = new();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    /// <summary>Every command that reaches storage, with the arguments it needs.</summary>
    public static readonly string[][] StorageCommands =
    [
        ["setup"], ["purge"],
        ["users", "add", "someone"], ["users", "disable", "demo"], ["users", "enable", "demo"], ["users", "unlock", "demo"],
        ["sessions", "list", "demo"], ["sessions", "end", "demo", "--all"], ["sessions", "end-everyone"],
        ["keys", "list"], ["keys", "rotate"], ["keys", "disable", UnknownVersion], ["keys", "enable", UnknownVersion],
        ["clients", "add", "orders-api"], ["clients", "list"], ["clients", "remove", "orders-api"],
        ["audit", "list"],
    ];

    /// <summary>Every command that reaches Key Vault when SigningKeys:VaultUri is set.</summary>
    public static readonly string[][] KeyVaultCommands =
    [
        ["keys", "list"], ["keys", "rotate"], ["keys", "disable", UnknownVersion], ["keys", "enable", UnknownVersion],
    ];

    private static void AssertOneLine(CliRun run, params string[] named)
    {
        run.AssertExitCode(2);
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"Expected one line on stderr.{Environment.NewLine}{run}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        foreach (var name in named)
        {
            Assert.True(lines[0].Contains(name, StringComparison.Ordinal), $"The line does not name '{name}'.{Environment.NewLine}{run}");
        }

        Assert.DoesNotContain("   at ", run.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, run.AllOutput, StringComparison.Ordinal);
    }

    /// <summary>A few runs at a time: each is a dotnet process.</summary>
    private static async Task<CliRun[]> RunAllAsync(AdminCli cli, IEnumerable<string[]> commands)
    {
        using var gate = new SemaphoreSlim(4);
        return await Task.WhenAll(commands.Select(async command =>
        {
            await gate.WaitAsync();
            try
            {
                return await cli.RunAsync(command, Password + "\n");
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    [Fact]
    public async Task With_Azurite_stopped_every_command_exits_with_2_and_one_line_naming_the_table_endpoint_and_the_fix()
    {
        var cli = AdminCli.For(_azurite.ConnectionString, AzuriteFixture.NewTablePrefix());
        (await cli.RunAsync("setup")).AssertSucceeded();
        (await cli.RunAsync(["users", "add", "demo"], Password + "\n")).AssertSucceeded();
        await _azurite.StopAsync();

        var endpoint = $"Table Storage at http://127.0.0.1:{_azurite.Port}/";
        foreach (var run in await RunAllAsync(cli, StorageCommands))
        {
            AssertOneLine(run, endpoint, "unreachable", "AuthStorage:ConnectionString", "Azurite");
        }

        var verbose = await cli.RunAsync("keys", "list", "--verbose");
        verbose.AssertExitCode(2);
        Assert.Contains("   at ", verbose.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_an_unreachable_vault_every_key_command_exits_with_2_and_one_line_naming_the_vault_and_the_setting()
    {
        var vault = $"https://127.0.0.1:{ClosedPort()}/";
        var cli = AdminCli.For(_azurite.ConnectionString, AzuriteFixture.NewTablePrefix())
            .With(new Dictionary<string, string?> { ["SigningKeys__VaultUri"] = vault });
        (await cli.RunAsync("setup")).AssertSucceeded();

        foreach (var run in await RunAllAsync(cli, KeyVaultCommands))
        {
            AssertOneLine(run, $"Key Vault {vault}", "unreachable", "SigningKeys:VaultUri");
            Assert.Equal("", run.StandardOutput);
        }

        var verbose = await cli.RunAsync("keys", "rotate", "--verbose");
        verbose.AssertExitCode(2);
        Assert.Contains("   at ", verbose.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storage_by_service_uri_without_a_reachable_account_names_the_endpoint_and_az_login_or_the_network()
    {
        // No connection string: DefaultAzureCredential. Without 'az login' it finds no credential; with one, no such host.
        var cli = AdminCli.For(_azurite.ConnectionString, AzuriteFixture.NewTablePrefix()).With(new Dictionary<string, string?>
        {
            ["AuthStorage__ConnectionString"] = null,
            ["AuthStorage__TableServiceUri"] = "https://serverlessauth-no-such-account.table.core.windows.net",
        });

        var run = await cli.RunAsync("sessions", "end-everyone");

        AssertOneLine(run, "Table Storage at https://serverlessauth-no-such-account.table.core.windows.net/");
        Assert.True(
            run.StandardError.Contains("az login", StringComparison.Ordinal) && run.StandardError.Contains(AzureRoles.StorageTableDataContributor, StringComparison.Ordinal)
            || run.StandardError.Contains("unreachable", StringComparison.Ordinal),
            run.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static class AzureRoles
    {
        public const string StorageTableDataContributor = "Storage Table Data Contributor";
    }
}
