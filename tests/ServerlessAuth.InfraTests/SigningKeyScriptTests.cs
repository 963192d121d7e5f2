using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ServerlessAuth.InfraTests;

/// <summary>
/// infra/scripts/create-signing-key.sh (with the real openssl) and create-signing-key.ps1 run against a stand-in
/// for the az CLI (a shell script first on PATH): they create a random first version (an ES256 key, or HS256 when
/// asked) only when the secret has none,
/// with the app's content type, and stop at once when the signed-in principal has no rights on the vault.
/// </summary>
public sealed class SigningKeyScriptTests : IDisposable
{
    // Stand-in for az. STUB_MODE: a version count, "notfound", "forbidden", or "forbidden-once" (then 0); the count
    // comes as a JSON list when asked for JSON (the .ps1), as a number otherwise (the .sh's length(@) query).
    // STUB_PERMISSIONS: the caller's permission entries on the vault ("dataActions|notDataActions" lines), or
    // "unreadable" when the permissions call fails. STUB_SUBSCRIPTION: the subscription that holds the vault (az's
    // current one is another, so the vault is found only with --subscription). STUB_ARM_SECRET: "exists" when
    // Azure Resource Manager knows the secret.
    private const string FakeAz = """
        #!/bin/sh
        printf '%s\n' "$*" >> "$STUB_LOG"
        case "$1 $2 $3" in
          "keyvault show "*)
            case " $* " in
              *" --subscription $STUB_SUBSCRIPTION "*) echo "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/$4" ;;
              *) echo "ERROR: (ResourceNotFound) The Resource 'Microsoft.KeyVault/vaults/$4' was not found in the current subscription." >&2; exit 3 ;;
            esac ;;
          "rest --method get")
            case "$5" in
              */secrets/*)
                if [ "${STUB_ARM_SECRET:-}" = "exists" ]; then exit 0; fi
                echo "ERROR: (ResourceNotFound) The Resource 'Microsoft.KeyVault/vaults/kv-test/secrets/x' was not found." >&2; exit 1 ;;
            esac
            if [ "$STUB_PERMISSIONS" = "unreadable" ]; then echo "ERROR: (AuthorizationFailed) no read" >&2; exit 1; fi
            printf '%s\n' "$STUB_PERMISSIONS" ;;
          "account show "*) printf 'user\nsomeone@example.test\n' ;;
          "keyvault secret list-versions")
            case "$STUB_MODE" in
              notfound) echo "ERROR: (SecretNotFound) A secret with (name/id) x was not found in this key vault." >&2; exit 1 ;;
              forbidden) echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1 ;;
              forbidden-once)
                if [ ! -f "$STUB_DIR/refused" ]; then
                  touch "$STUB_DIR/refused"
                  echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1
                fi
                count=0 ;;
              *) count="$STUB_MODE" ;;
            esac
            case " $* " in
              *" --output json "*)
                printf '['
                i=0
                while [ "$i" -lt "$count" ]; do
                  if [ "$i" -gt 0 ]; then printf ','; fi
                  printf '{"id": "https://kv-test.vault.azure.net/secrets/jwt-test-key/v%s", "attributes": {"enabled": true}}' "$i"
                  i=$((i + 1))
                done
                printf ']\n' ;;
              *) echo "$count" ;;
            esac ;;
          "keyvault secret set")
            while [ $# -gt 0 ]; do
              if [ "$1" = "--file" ]; then cat "$2" >> "$STUB_DIR/secret-$(date +%s%N)"; fi
              shift
            done ;;
          *) echo "unexpected az call: $*" >&2; exit 2 ;;
        esac
        """;

    /// <summary>azd's subscription, which holds the vault; az's current subscription is another one.</summary>
    private const string Subscription = "00000000-0000-0000-0000-0000000000aa";

    /// <summary>What Key Vault Secrets Officer gives (its only data action).</summary>
    private const string SecretsOfficer = "Microsoft.KeyVault/vaults/secrets/*|";

    private readonly string _directory = Directory.CreateTempSubdirectory("signing-key-script-").FullName;

    public SigningKeyScriptTests() => HookScripts.WriteFakeAz(_directory, FakeAz);

    public static TheoryData<string> Shells() => HookScripts.Shells();

    public static TheoryData<string, string> ShellsAndModes()
    {
        var data = new TheoryData<string, string>();
        foreach (var shell in HookScripts.Shells())
        {
            data.Add(shell, "0");
            data.Add(shell, "notfound");
        }

        return data;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(ShellsAndModes))]
    public void CreatesTheFirstVersionAsAnEs256KeyByDefault(string shell, string mode)
    {
        var result = RunScript(shell, mode, algorithm: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        var secret = Assert.Single(CreatedSecrets());
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", secret, StringComparison.Ordinal);
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(secret);
            Assert.Equal("1.2.840.10045.3.1.7", key.ExportParameters(false).Curve.Oid.Value); // P-256
        }

        AssertNeverShown(secret, result);
    }

    [Theory]
    [MemberData(nameof(ShellsAndModes))]
    public void CreatesAnHs256FirstVersionFromRandomBytesWhenAsked(string shell, string mode)
    {
        var result = RunScript(shell, mode, algorithm: "HS256");

        Assert.True(result.ExitCode == 0, result.Describe());
        var secret = Assert.Single(CreatedSecrets());
        Assert.Equal(44, secret.Length); // no trailing newline: az stores the file content as it is
        Assert.Equal(32, Convert.FromBase64String(secret).Length);
        AssertNeverShown(secret, result);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void RefusesAnUnknownAlgorithmBeforeCallingAz(string shell)
    {
        var result = RunScript(shell, "0", algorithm: "RS256");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ES256 or HS256", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(AzCalls());
    }

    private void AssertNeverShown(string secret, ProcessResult result)
    {
        var calls = AzCalls();
        var set = Assert.Single(calls, c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));
        Assert.Contains("--vault-name kv-test", set, StringComparison.Ordinal);
        Assert.Contains("--name jwt-test-key", set, StringComparison.Ordinal);
        Assert.Contains("--output none", set, StringComparison.Ordinal); // az would print the value otherwise

        // The value is on no command line and in no output.
        var body = secret.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal));
        foreach (var part in body.Append(secret.Trim()))
        {
            Assert.All(calls, c => Assert.DoesNotContain(part, c, StringComparison.Ordinal));
            Assert.DoesNotContain(part, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void SetsTheContentTypeTheAppsOwnRotationSets(string shell)
    {
        // The same literals as SigningKeyMaterial, so a key made here and one made by a rotation look alike.
        var source = File.ReadAllText(Path.Combine(Bicep.RepositoryRoot, "src", "ServerlessAuth.Core", "SigningKeys", "SigningKeyMaterial.cs"));
        foreach (var algorithm in new[] { "ES256", "HS256" })
        {
            var literal = Regex.Match(source, $@"{algorithm[..1]}{algorithm[1..].ToLowerInvariant()}ContentType\s*=\s*""([^""]+)""");
            Assert.True(literal.Success, $"SigningKeyMaterial no longer has a literal {algorithm} content type.");
            File.Delete(Path.Combine(_directory, "az.log"));

            Assert.Equal(0, RunScript(shell, "0", algorithm: algorithm).ExitCode);

            var set = Assert.Single(AzCalls(), c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));
            Assert.Contains($"--content-type {literal.Groups[1].Value}", set, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void EachRunMakesANewValue(string shell)
    {
        Assert.Equal(0, RunScript(shell, "0").ExitCode);
        Assert.Equal(0, RunScript(shell, "0").ExitCode);

        var secrets = CreatedSecrets();
        Assert.Equal(2, secrets.Count);
        Assert.NotEqual(secrets[0], secrets[1]);
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void LeavesAnExistingSecretAlone(string shell)
    {
        foreach (var versions in new[] { "1", "3" })
        {
            var result = RunScript(shell, versions);

            Assert.True(result.ExitCode == 0, result.Describe());
            Assert.Contains("nothing to do", result.StandardOutput, StringComparison.Ordinal);
        }

        Assert.Empty(CreatedSecrets());
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void RetriesWhileTheNewRoleAssignmentIsNotYetEffective(string shell)
    {
        var result = RunScript(shell, "forbidden-once");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(2, AzCalls().Count(c => c.StartsWith("keyvault secret list-versions", StringComparison.Ordinal)));
        Assert.Single(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void FailsWithoutCreatingAnythingWhenAccessStaysDenied(string shell)
    {
        var result = RunScript(shell, "forbidden");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Forbidden", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, AzCalls().Count(c => c.StartsWith("keyvault secret list-versions", StringComparison.Ordinal)));
        Assert.Empty(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void StopsAtOnceWithAClearMessageWhenThePrincipalHasNoRightsOnTheVault(string shell)
    {
        // Reader on the vault: management actions, no secret data actions. Retrying could not help.
        var result = RunScript(shell, "0", permissions: "|");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("someone@example.test", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Key Vault Secrets Officer", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("00000000-0000-0000-0000-0000000000bb", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("keyvault secret", StringComparison.Ordinal));
        Assert.Empty(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void TellsTheDeployingIdentityToLeaveTheFirstKeyToTheOperator(string shell)
    {
        // A CI pipeline's identity: Contributor-like management rights, no data-plane role, no secret yet.
        var result = RunScript(shell, "0", permissions: "|");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("operator creates the first key", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("00000000-0000-0000-0000-0000000000cc", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("azd hooks run postprovision", result.StandardError, StringComparison.Ordinal);
        var arm = Assert.Single(AzCalls(), c => c.Contains("/secrets/", StringComparison.Ordinal));
        Assert.Contains("/vaults/kv-test/secrets/jwt-test-key?api-version=", arm, StringComparison.Ordinal);
        Assert.Empty(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void SucceedsWithoutDataRightsOnceTheOperatorHasCreatedTheKey(string shell)
    {
        // The next pipeline run: the secret exists, which Resource Manager tells without any data-plane role.
        var result = RunScript(shell, "0", permissions: "|", armSecret: "exists");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("nothing to do", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("keyvault secret", StringComparison.Ordinal));
        Assert.Empty(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void LooksForTheVaultInAzdsSubscription(string shell)
    {
        // az's current subscription does not hold the vault: without --subscription the check would be skipped
        // ("going on without the check") and the script would retry for minutes instead of stopping at once.
        var result = RunScript(shell, "0", permissions: "|");

        Assert.DoesNotContain("without the check", result.StandardError, StringComparison.Ordinal);
        var show = Assert.Single(AzCalls(), c => c.StartsWith("keyvault show", StringComparison.Ordinal));
        Assert.Contains($"--subscription {Subscription}", show, StringComparison.Ordinal);
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("keyvault secret list-versions", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void UsesAzsSubscriptionWhenAzdGivesNone(string shell)
    {
        var result = RunScript(shell, "1", subscription: null);

        // The fake's vault is not in az's current subscription: the check is skipped, loudly, and the run goes on.
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("without the check", result.StandardError, StringComparison.Ordinal);
        Assert.All(AzCalls(), c => Assert.DoesNotContain("--subscription", c, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void ReadsThePermissionsOfTheVaultItIsAbout(string shell)
    {
        Assert.Equal(0, RunScript(shell, "1").ExitCode);

        var rest = Assert.Single(AzCalls(), c => c.StartsWith("rest ", StringComparison.Ordinal));
        Assert.Contains("--url /subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-test/providers/Microsoft.Authorization/permissions?api-version=", rest, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Microsoft.KeyVault/vaults/secrets/*|", true)]
    [InlineData("Microsoft.KeyVault/vaults/*|", true)] // Key Vault Administrator
    [InlineData("*|", true)]
    [InlineData("Microsoft.KeyVault/vaults/secrets/getSecret/action Microsoft.KeyVault/vaults/secrets/readMetadata/action|", false)] // Secrets User
    [InlineData("Microsoft.KeyVault/vaults/secrets/*|Microsoft.KeyVault/vaults/secrets/setSecret/action", false)]
    [InlineData("Microsoft.KeyVault/vaults/secrets/readMetadata/action|\nMicrosoft.KeyVault/vaults/secrets/setSecret/action|", true)] // two assignments
    [InlineData("|", false)]
    public void MatchesDataActionsAsAzureRbacDoes(string permissions, bool allowed)
    {
        foreach (var shell in HookScripts.Shells())
        {
            var result = RunScript(shell, "1", permissions);
            Assert.True((result.ExitCode == 0) == allowed, $"{shell} with '{permissions}': {result.Describe()}");
        }
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void GoesOnWithTheRetriesWhenThePermissionsCannotBeRead(string shell)
    {
        var result = RunScript(shell, "0", permissions: "unreadable");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("without the check", result.StandardError, StringComparison.Ordinal);
        Assert.Single(CreatedSecrets());
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void FailsWhenTheVaultIsNotKnown(string shell)
    {
        var result = RunScript(shell, "0", vaultName: null);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AZURE_KEY_VAULT_NAME", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(AzCalls());
    }

    private ProcessResult RunScript(
        string shell,
        string mode,
        string permissions = SecretsOfficer,
        string? vaultName = "kv-test",
        string? algorithm = null,
        string? armSecret = null,
        string? subscription = Subscription) =>
        HookScripts.Run(shell, "create-signing-key", _directory, new Dictionary<string, string?>
        {
            ["PATH"] = _directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["AZURE_KEY_VAULT_NAME"] = vaultName,
            ["AZURE_SUBSCRIPTION_ID"] = subscription,
            ["AZURE_PRINCIPAL_ID"] = "00000000-0000-0000-0000-0000000000bb",
            ["AZURE_OPERATOR_PRINCIPAL_ID"] = "00000000-0000-0000-0000-0000000000cc",
            ["STUB_SUBSCRIPTION"] = Subscription,
            ["STUB_ARM_SECRET"] = armSecret,
            ["SIGNING_KEY_SECRET_NAME"] = "jwt-test-key",
            ["SIGNING_KEY_ALGORITHM"] = algorithm,
            ["SIGNING_KEY_RETRY_ATTEMPTS"] = "3",
            ["SIGNING_KEY_RETRY_DELAY_SECONDS"] = "0",
            ["STUB_MODE"] = mode,
            ["STUB_PERMISSIONS"] = permissions,
            ["STUB_DIR"] = _directory,
            ["STUB_LOG"] = Path.Combine(_directory, "az.log"),
        });

    private List<string> AzCalls()
    {
        var log = Path.Combine(_directory, "az.log");
        return File.Exists(log) ? File.ReadAllLines(log).Where(l => l.Length > 0).ToList() : [];
    }

    private List<string> CreatedSecrets() =>
        Directory.EnumerateFiles(_directory, "secret-*").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
}
