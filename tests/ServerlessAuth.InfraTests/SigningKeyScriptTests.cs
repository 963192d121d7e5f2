namespace ServerlessAuth.InfraTests;

/// <summary>
/// infra/scripts/create-signing-key.sh run against a stand-in for the az CLI (a shell script first on PATH)
/// and the real openssl: it creates a random first version only when the secret has none.
/// </summary>
public sealed class SigningKeyScriptTests : IDisposable
{
    // Stand-in for az. STUB_MODE: a version count, "notfound", "forbidden", or "forbidden-once" (then 0).
    private const string FakeAz = """
        #!/bin/sh
        printf '%s\n' "$*" >> "$STUB_LOG"
        case "$1 $2 $3" in
          "keyvault secret list-versions")
            case "$STUB_MODE" in
              notfound) echo "ERROR: (SecretNotFound) A secret with (name/id) x was not found in this key vault." >&2; exit 1 ;;
              forbidden) echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1 ;;
              forbidden-once)
                if [ ! -f "$STUB_DIR/refused" ]; then
                  touch "$STUB_DIR/refused"
                  echo "ERROR: (Forbidden) Caller is not authorized to perform action on resource." >&2; exit 1
                fi
                echo 0 ;;
              *) echo "$STUB_MODE" ;;
            esac ;;
          "keyvault secret set")
            while [ $# -gt 0 ]; do
              if [ "$1" = "--file" ]; then cat "$2" >> "$STUB_DIR/secret-$(date +%s%N)"; fi
              shift
            done ;;
          *) echo "unexpected az call: $*" >&2; exit 2 ;;
        esac
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("signing-key-script-").FullName;

    public SigningKeyScriptTests()
    {
        var az = Path.Combine(_directory, "az");
        File.WriteAllText(az, FakeAz.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("0")]
    [InlineData("notfound")]
    public void CreatesTheFirstVersionFromRandomBytes(string mode)
    {
        var result = RunScript(mode);

        Assert.True(result.ExitCode == 0, result.Describe());
        var secret = Assert.Single(CreatedSecrets());
        Assert.Equal(44, secret.Length); // no trailing newline: az stores the file content as it is
        Assert.Equal(32, Convert.FromBase64String(secret).Length);

        var calls = AzCalls();
        var set = Assert.Single(calls, c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));
        Assert.Contains("--vault-name kv-test", set, StringComparison.Ordinal);
        Assert.Contains("--name jwt-test-key", set, StringComparison.Ordinal);
        Assert.Contains("--output none", set, StringComparison.Ordinal); // az would print the value otherwise

        // The value is on no command line and in no output.
        Assert.All(calls, c => Assert.DoesNotContain(secret, c, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void EachRunMakesANewValue()
    {
        Assert.Equal(0, RunScript("0").ExitCode);
        Assert.Equal(0, RunScript("0").ExitCode);

        var secrets = CreatedSecrets();
        Assert.Equal(2, secrets.Count);
        Assert.NotEqual(secrets[0], secrets[1]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    public void LeavesAnExistingSecretAlone(string versions)
    {
        var result = RunScript(versions);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Empty(CreatedSecrets());
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("keyvault secret set", StringComparison.Ordinal));
        Assert.Contains("nothing to do", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void RetriesWhileTheNewRoleAssignmentIsNotYetEffective()
    {
        var result = RunScript("forbidden-once");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(2, AzCalls().Count(c => c.StartsWith("keyvault secret list-versions", StringComparison.Ordinal)));
        Assert.Single(CreatedSecrets());
    }

    [Fact]
    public void FailsWithoutCreatingAnythingWhenAccessStaysDenied()
    {
        var result = RunScript("forbidden");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Forbidden", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(3, AzCalls().Count);
        Assert.Empty(CreatedSecrets());
    }

    [Fact]
    public void FailsWhenTheVaultIsNotKnown()
    {
        var result = RunScript("0", vaultName: null);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AZURE_KEY_VAULT_NAME", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(AzCalls());
    }

    private ProcessResult RunScript(string mode, string? vaultName = "kv-test")
    {
        var script = Path.Combine(Bicep.InfraDirectory, "scripts", "create-signing-key.sh");
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = _directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["AZURE_KEY_VAULT_NAME"] = vaultName,
            ["SIGNING_KEY_SECRET_NAME"] = "jwt-test-key",
            ["SIGNING_KEY_RETRY_ATTEMPTS"] = "3",
            ["SIGNING_KEY_RETRY_DELAY_SECONDS"] = "0",
            ["STUB_MODE"] = mode,
            ["STUB_DIR"] = _directory,
            ["STUB_LOG"] = Path.Combine(_directory, "az.log"),
        };
        return ProcessRunner.Run("/bin/sh", [script], _directory, environment);
    }

    private List<string> AzCalls()
    {
        var log = Path.Combine(_directory, "az.log");
        return File.Exists(log) ? File.ReadAllLines(log).Where(l => l.Length > 0).ToList() : [];
    }

    private List<string> CreatedSecrets() =>
        Directory.EnumerateFiles(_directory, "secret-*").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
}
