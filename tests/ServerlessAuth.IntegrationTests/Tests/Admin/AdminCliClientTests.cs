using System.Net;
using ServerlessAuth.Audit;
using ServerlessAuth.Clients;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary><c>clients add|list|remove</c>, run as a child process; the secret it prints works over HTTP.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliClientTests(AdminScenarioFixture fixture) : IClassFixture<AdminScenarioFixture>
{
    private AdminScenario Scenario => fixture.Scenario;

    [Fact]
    public async Task Clients_add_prints_a_secret_once_that_authenticates_list_never_shows_it_and_remove_cuts_the_client_off()
    {
        var id = "orders-" + Guid.NewGuid().ToString("N")[..6];
        var added = (await Scenario.Cli.RunAsync("clients", "add", id, "--description", "Orders API")).AssertSucceeded();
        var secret = added.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(secret).Length);

        var basic = ClientCredentials.FormatBasic(id, secret);
        var token = (await Scenario.Api.LoginForTokensAsync(await Scenario.Host.AddUserAsync())).AccessToken;
        Assert.True((await Scenario.Api.IntrospectAsync(basic, token)).GetProperty("active").GetBoolean());

        var again = (await Scenario.Cli.RunAsync("clients", "add", id)).AssertExitCode(1);
        Assert.Contains("exists already", again.StandardError, StringComparison.Ordinal);

        var list = (await Scenario.Cli.RunAsync("clients", "list")).AssertSucceeded();
        Assert.Contains(id, list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Orders API", list.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(ClientAuthenticator.HashSecret(secret)), list.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(ClientAuthenticator.HashSecret(secret)), list.AllOutput, StringComparison.OrdinalIgnoreCase);

        var removed = (await Scenario.Cli.RunAsync("clients", "remove", id)).AssertSucceeded();
        Assert.Contains($"Removed client {id}", removed.StandardOutput, StringComparison.Ordinal);
        using (var refused = await Scenario.Api.IntrospectRawAsync(basic, token))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var missing = (await Scenario.Cli.RunAsync("clients", "remove", id)).AssertExitCode(1);
        Assert.Contains("No client named", missing.StandardError, StringComparison.Ordinal);

        var audit = (await Scenario.Cli.RunAsync("audit", "list", "--since", "1h")).AssertSucceeded().StandardOutput;
        Assert.Contains(AuditEvent.NameOf(AuditKind.ClientAdded), audit, StringComparison.Ordinal);
        Assert.Contains($"client={id}", audit, StringComparison.Ordinal);
        Assert.Contains(AuditEvent.NameOf(AuditKind.ClientRemoved), audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/id")]
    public async Task Clients_add_refuses_a_bad_id_with_exit_code_1(string id)
    {
        var run = (await Scenario.Cli.RunAsync("clients", "add", id)).AssertExitCode(1);
        Assert.Contains("client id is 1 to 64", run.StandardError, StringComparison.Ordinal);
        Assert.Equal("", run.StandardOutput);
        Assert.DoesNotContain("   at ", run.AllOutput, StringComparison.Ordinal);
    }
}
