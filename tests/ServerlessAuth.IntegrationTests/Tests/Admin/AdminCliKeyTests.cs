using Azure.Data.Tables;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Admin;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.IntegrationTests.Tests.Admin;

/// <summary><c>setup</c> and <c>keys list|rotate|disable</c> on the development key table, each test on a prefix of its own.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdminCliKeyTests(AzuriteFixture azurite)
{
    private sealed record KeyLine(string Version, string State, bool Signs, string Algorithm = "ES256");

    /// <summary>The rows of <c>keys list</c> (after the source, new-version and header lines), newest first.</summary>
    private static List<KeyLine> ParseKeyList(CliRun run)
    {
        run.AssertSucceeded();
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 3, run.ToString());
        Assert.StartsWith("Source: development key table", lines[0], StringComparison.Ordinal);
        Assert.Equal("New versions: ES256 (SigningKeys:Algorithm)", lines[1]);
        Assert.StartsWith("VERSION (kid)", lines[2], StringComparison.Ordinal);
        return lines.Skip(3)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => new KeyLine(f[0], f[4], string.Join(' ', f.Skip(5)) == "signs new tokens", f[3]))
            .ToList();
    }

    /// <summary>The CREATED (UTC) column of one version in <c>keys list</c>, to the second.</summary>
    private static DateTime CreatedAt(CliRun list, string version)
    {
        var fields = Assert.Single(list.StandardOutput.Split('\n'), l => l.StartsWith(version, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return DateTime.ParseExact($"{fields[1]} {fields[2]}", "yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string CreatedVersion(CliRun run, string prefix)
    {
        var line = Assert.Single(run.StandardOutput.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));
        var version = line[prefix.Length..].Split(' ')[0];
        Assert.Matches("^[0-9a-f]{32}$", version);
        return version;
    }

    [Fact]
    public async Task Setup_creates_every_table_and_one_key_and_a_second_run_adds_no_usable_key()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: false);

        var first = (await scenario.Cli.RunAsync("setup")).AssertSucceeded();
        Assert.Contains("Tables ready.", first.StandardOutput, StringComparison.Ordinal);
        var version = CreatedVersion(first, "Created signing key version ");

        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(azurite.ConnectionString).QueryAsync())
        {
            if (table.Name.StartsWith(scenario.TablePrefix, StringComparison.Ordinal))
            {
                tables.Add(table.Name[scenario.TablePrefix.Length..]);
            }
        }

        Assert.Equal(ServerlessAuth.TableStorage.AuthTables.Names.Order(), tables.Order());

        var second = (await scenario.Cli.RunAsync("setup")).AssertSucceeded();
        Assert.Contains("Tables ready.", second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Created signing key", second.StandardOutput, StringComparison.Ordinal);

        var key = Assert.Single(ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));
        Assert.Equal(new KeyLine(version, "usable", Signs: true), key);
    }

    /// <summary>The only version of a fresh prefix whose host created its first key (read in-process, without a CLI run).</summary>
    private static async Task<string> OnlyVersionAsync(AdminScenario scenario) =>
        Assert.Single(await scenario.Host.Service<ISigningKeyAdministration>().ListAsync(CancellationToken.None)).Id;

    [Fact]
    public async Task Keys_rotate_adds_a_version_that_signs_new_tokens_and_the_old_one_can_then_be_disabled()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var original = await OnlyVersionAsync(scenario);

        var rotated = CreatedVersion((await scenario.Cli.RunAsync("keys", "rotate")).AssertSucceeded(), "New ES256 version ");

        var listed = await scenario.Cli.RunAsync("keys", "list");
        Assert.Equal(
            [new KeyLine(rotated, "usable", Signs: true), new KeyLine(original, "usable", Signs: false)],
            ParseKeyList(listed));
        var rotatedAt = CreatedAt(listed, rotated);

        // A host started now signs with the version the list marks, and accepts its tokens.
        await using (var host = await scenario.StartHostAsync())
        {
            var user = await host.AddUserAsync();
            var session = await AdminHttp.LoginAsync(host.Api, user.Username, TestSettings.Password);
            Assert.Equal(rotated, Jwt.Decode(session.AccessToken).Header.GetProperty("kid").GetString());
            await host.Api.GetMeAsync(session.AccessToken);
        }

        var disabled = (await scenario.Cli.RunAsync("keys", "disable", original)).AssertSucceeded();
        Assert.Contains($"Disabled {original}", disabled.StandardOutput, StringComparison.Ordinal);
        // Refusal follows each instance's reading of the feed, so no message may say "now".
        Assert.Contains("each instance refuses them once it sees this change", disabled.StandardOutput, StringComparison.Ordinal);
        // Old-key tokens are issued until the refresh after the rotation (60 s) and live 10 min plus 30 s of skew.
        var until = rotatedAt + TimeSpan.FromSeconds(60) + TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30);
        Assert.Contains($"may stay unexpired until {until:yyyy-MM-dd HH:mm:ss}Z", disabled.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("now refused", disabled.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(
            [new KeyLine(rotated, "usable", Signs: true), new KeyLine(original, "disabled", Signs: false)],
            ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));

        // Again: nothing changes, and no new deadline is announced.
        var again = (await scenario.Cli.RunAsync("keys", "disable", original)).AssertSucceeded();
        Assert.StartsWith($"{original} was already disabled; nothing changed.", again.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain($"Disabled {original}", again.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpired", again.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(
            [new KeyLine(rotated, "usable", Signs: true), new KeyLine(original, "disabled", Signs: false)],
            ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));
    }

    [Fact]
    public async Task Keys_rotate_emergency_disables_every_older_version_and_the_only_usable_one_cannot_be_disabled()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var first = await OnlyVersionAsync(scenario);
        var second = CreatedVersion((await scenario.Cli.RunAsync("keys", "rotate")).AssertSucceeded(), "New ES256 version ");

        var emergency = (await scenario.Cli.RunAsync("keys", "rotate", "--emergency")).AssertSucceeded();
        var third = CreatedVersion(emergency, "New ES256 version ");
        Assert.Contains($"Disabled {first}.", emergency.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"Disabled {second}.", emergency.StandardOutput, StringComparison.Ordinal);

        const string unknownVersion = "0123456789abcdef0123456789abcdef";
        var attempts = await Task.WhenAll(
            scenario.Cli.RunAsync("keys", "disable", third),
            scenario.Cli.RunAsync("keys", "disable", unknownVersion));
        Assert.Contains("only usable version", attempts[0].AssertExitCode(1).StandardError, StringComparison.Ordinal);
        Assert.Contains($"No version {unknownVersion}", attempts[1].AssertExitCode(1).StandardError, StringComparison.Ordinal);

        Assert.Equal(
            [new KeyLine(third, "usable", Signs: true), new KeyLine(second, "disabled", Signs: false), new KeyLine(first, "disabled", Signs: false)],
            ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));
    }
    [Fact]
    public async Task Keys_enable_undoes_a_disable_so_the_runbooks_rollback_can_be_rehearsed()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var original = await OnlyVersionAsync(scenario);
        var user = await scenario.Host.AddUserAsync();
        var before = await AdminHttp.LoginAsync(scenario.Api, user.Username, TestSettings.Password);
        Assert.Equal(original, Jwt.Decode(before.AccessToken).Header.GetProperty("kid").GetString());
        var rotated = CreatedVersion((await scenario.Cli.RunAsync("keys", "rotate")).AssertSucceeded(), "New ES256 version ");
        (await scenario.Cli.RunAsync("keys", "disable", original)).AssertSucceeded();
        await AdminHttp.AssertTokenRefusedAsync(scenario.Api, before.AccessToken);

        var enabled = (await scenario.Cli.RunAsync("keys", "enable", original)).AssertSucceeded();

        Assert.StartsWith($"Enabled {original}", enabled.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"{rotated} still signs new tokens", enabled.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(
            [new KeyLine(rotated, "usable", Signs: true), new KeyLine(original, "usable", Signs: false)],
            ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));
        // The token signed with the re-enabled version is accepted again once the host sees the key event.
        await Eventually.HoldsAsync(async () =>
        {
            using var me = await scenario.Api.MeAsync(before.AccessToken);
            return me.StatusCode == System.Net.HttpStatusCode.OK;
        }, AuthApiClient.RevocationBound + TimeSpan.FromSeconds(5), "a token of the re-enabled version is accepted again");

        var again = (await scenario.Cli.RunAsync("keys", "enable", original)).AssertSucceeded();
        Assert.StartsWith($"{original} is already enabled; nothing changed.", again.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("No version 0123456789abcdef0123456789abcdef",
            (await scenario.Cli.RunAsync("keys", "enable", "0123456789abcdef0123456789abcdef")).AssertExitCode(1).StandardError, StringComparison.Ordinal);

        var audit = (await scenario.Cli.RunAsync("audit", "list", "--kind", "key_enabled", "--json")).AssertSucceeded();
        var record = Assert.Single(System.Text.Json.JsonDocument.Parse(audit.StandardOutput).RootElement.EnumerateArray());
        Assert.Equal($"version={original}", record.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Rotating_from_ES256_to_HS256_is_refused_without_yes_and_with_it_discovery_names_both_algorithms()
    {
        await using var scenario = await AdminScenario.StartAsync(azurite, withHost: true);
        var original = await OnlyVersionAsync(scenario);
        var toHs256 = scenario.Cli.With(new Dictionary<string, string?> { ["SigningKeys__Algorithm"] = "HS256" });

        var refused = (await toHs256.RunAsync("keys", "rotate")).AssertExitCode(1);

        Assert.Equal("", refused.StandardOutput);
        Assert.Contains($"warning: the current version {original} is ES256", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("Refused: APIs that validate with the JWKS alone", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("pass --yes", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal([new KeyLine(original, "usable", Signs: true)], ParseKeyList(await scenario.Cli.RunAsync("keys", "list")));

        var forced = (await toHs256.RunAsync("keys", "rotate", "--yes")).AssertSucceeded();
        var hs256 = CreatedVersion(forced, "New HS256 version ");
        Assert.Contains("never published", forced.StandardError, StringComparison.Ordinal);

        await Eventually.HoldsAsync(async () =>
        {
            using var response = await scenario.Api.Client.GetAsync("api/auth/.well-known/openid-configuration");
            var body = await Responses.ReadJsonAsync(response);
            return body.GetProperty("access_token_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()).SequenceEqual(["HS256", "ES256"]);
        }, AuthApiClient.RevocationBound + TimeSpan.FromSeconds(5), "discovery names HS256 (signing) and ES256 (still validating)");

        // Back to ES256: a warning, no question.
        var back = (await scenario.Cli.RunAsync("keys", "rotate")).AssertSucceeded();
        Assert.Contains($"warning: the current version {hs256} is HS256", back.StandardError, StringComparison.Ordinal);
        CreatedVersion(back, "New ES256 version ");
    }
}
