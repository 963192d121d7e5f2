using System.Net;
using System.Net.Sockets;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary>
/// A CLI that cannot reach or cannot find its storage says so: exit code 2 (1 is for refused operations),
/// one message naming the settings, no stack trace.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliConfigurationTests(AzuriteFixture azurite)
{
    private const string Password = "Never printed 5521";

    private AdminCli Cli => AdminCli.For(azurite.ConnectionString, AzuriteFixture.NewTablePrefix());

    private static void AssertConfigurationError(CliRun run, params string[] named)
    {
        run.AssertExitCode(2);
        Assert.Equal("", run.StandardOutput);
        foreach (var name in named)
        {
            Assert.Contains(name, run.StandardError, StringComparison.Ordinal);
        }

        AssertNoStackTrace(run);
        Assert.DoesNotContain(Password, run.AllOutput, StringComparison.Ordinal);
    }

    private static void AssertNoStackTrace(CliRun run)
    {
        Assert.False(run.StandardError.Contains("   at ", StringComparison.Ordinal), $"A stack trace was printed.{Environment.NewLine}{run}");
        Assert.False(run.StandardError.Contains("Unhandled exception", StringComparison.Ordinal), $"An unhandled exception was printed.{Environment.NewLine}{run}");
    }

    [Theory]
    [InlineData("setup")]
    [InlineData("users add someone")]
    public async Task Without_storage_settings_a_command_exits_with_2_and_names_the_AuthStorage_settings(string command)
    {
        var cli = Cli.With(new Dictionary<string, string?> { ["AuthStorage__ConnectionString"] = null, ["AuthStorage__TablePrefix"] = null });

        var run = await cli.RunAsync(command.Split(' '), Password + "\n");

        AssertConfigurationError(run, "AuthStorage:ConnectionString", "AuthStorage:TableServiceUri");
    }

    [Fact]
    public async Task An_invalid_table_prefix_exits_with_2_and_names_the_setting()
    {
        var run = await Cli.With(new Dictionary<string, string?> { ["AuthStorage__TablePrefix"] = "9-lives" }).RunAsync("setup");

        AssertConfigurationError(run, "AuthStorage:TablePrefix");
    }

    [Fact]
    public async Task Storage_that_refuses_connections_exits_with_2_and_a_message()
    {
        var port = ClosedPort();
        var connectionString = azurite.ConnectionString.Replace($":{azurite.Port}/", $":{port}/", StringComparison.Ordinal);

        var run = await Cli.With(new Dictionary<string, string?> { ["AuthStorage__ConnectionString"] = connectionString }).RunAsync("sessions", "end-everyone");

        AssertConfigurationError(run, "Table Storage");
    }

    /// <summary>
    /// Malformed values are configuration errors too. Today they escape <c>AdminCommands.RunAsync</c>
    /// (it catches only StorageUnavailable, SigningKeysUnavailable, OptionsValidation and RequestFailed
    /// exceptions), so System.CommandLine prints "Unhandled exception" with a stack trace and exits 1,
    /// the code the CLI uses for refused operations.
    /// </summary>
    [Theory]
    [InlineData("AuthStorage__ConnectionString", "AccountName=devstoreaccount1;this-is-not-a-setting")]
    [InlineData("AuthStorage__TableServiceUri", "tables.example")]
    [InlineData("AuthStorage__OperationTimeout", "five seconds")]
    public async Task A_malformed_storage_setting_exits_with_2_and_names_the_setting_without_a_stack_trace(string variable, string value)
    {
        var changes = new Dictionary<string, string?> { [variable] = value };
        if (variable == "AuthStorage__TableServiceUri")
        {
            changes["AuthStorage__ConnectionString"] = null;
        }

        var run = await Cli.With(changes).RunAsync("keys", "list");

        AssertNoStackTrace(run);
        AssertConfigurationError(run, variable.Replace("__", ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_settings_file_a_missing_setting_names_where_local_settings_json_was_looked_for()
    {
        // As from any folder but the repository root: no file, no environment name, no key vault.
        var cli = Cli.With(new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = null });
        var folder = NewFolder();
        var inner = Directory.CreateDirectory(Path.Combine(folder, "src", "project")).FullName;
        try
        {
            var run = await cli.RunAsync(["keys", "list"], standardInput: null, workingDirectory: inner);

            AssertConfigurationError(run, "SigningKeys:VaultUri", "No local.settings.json was found", inner, folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task From_a_project_folder_the_CLI_reads_local_settings_json_two_levels_up_as_the_web_host_does()
    {
        // Only the file configures it: storage, prefix and the Development environment.
        var cli = Cli.With(new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = null, ["AuthStorage__ConnectionString"] = null, ["AuthStorage__TablePrefix"] = null });
        var prefix = AzuriteFixture.NewTablePrefix();
        var folder = NewFolder();
        var project = Directory.CreateDirectory(Path.Combine(folder, "src", "ServerlessAuth.Admin")).FullName;
        var values = new Dictionary<string, string>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["AuthStorage__ConnectionString"] = azurite.ConnectionString,
            ["AuthStorage__TablePrefix"] = prefix,
        };
        await File.WriteAllTextAsync(Path.Combine(folder, "local.settings.json"), System.Text.Json.JsonSerializer.Serialize(new { IsEncrypted = false, Values = values }));
        try
        {
            (await cli.RunAsync(["setup"], standardInput: null, workingDirectory: project)).AssertSucceeded();
            var list = (await cli.RunAsync(["keys", "list"], standardInput: null, workingDirectory: project)).AssertSucceeded();

            Assert.StartsWith("Source: development key table", list.StandardOutput, StringComparison.Ordinal);
            Assert.Contains(prefix, list.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string NewFolder() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "serverlessauth-admin-" + Guid.NewGuid().ToString("N"))).FullName;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
