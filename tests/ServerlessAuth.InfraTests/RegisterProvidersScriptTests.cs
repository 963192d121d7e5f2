namespace ServerlessAuth.InfraTests;

/// <summary>
/// infra/scripts/register-providers.sh and .ps1 against a stand-in for az: they register Microsoft.Web and
/// Microsoft.App when they are not registered, in azd's subscription, and leave registered ones alone.
/// </summary>
public sealed class RegisterProvidersScriptTests : IDisposable
{
    // Stand-in for az. STUB_STATE: what `provider show` answers, or "refused" (az fails).
    private const string FakeAz = """
        #!/bin/sh
        printf '%s\n' "$*" >> "$STUB_LOG"
        case "$1 $2" in
          "provider show")
            if [ "$STUB_STATE" = "refused" ]; then
              echo "ERROR: (AuthorizationFailed) The client does not have authorization." >&2; exit 1
            fi
            echo "$STUB_STATE" ;;
          "provider register") ;;
          *) echo "unexpected az call: $*" >&2; exit 2 ;;
        esac
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("register-providers-").FullName;

    public RegisterProvidersScriptTests() => HookScripts.WriteFakeAz(_directory, FakeAz);

    public static TheoryData<string> Shells() => HookScripts.Shells();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [MemberData(nameof(Shells))]
    public void RegistersBothProvidersInAzdsSubscription(string shell)
    {
        var result = Run(shell, "NotRegistered");

        Assert.True(result.ExitCode == 0, result.Describe());
        var registered = AzCalls().Where(c => c.StartsWith("provider register", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, registered.Count);
        Assert.Contains(registered, c => c.Contains("--namespace Microsoft.Web ", StringComparison.Ordinal));
        Assert.Contains(registered, c => c.Contains("--namespace Microsoft.App ", StringComparison.Ordinal));
        Assert.All(AzCalls(), c => Assert.Contains("--subscription 00000000-0000-0000-0000-0000000000aa", c, StringComparison.Ordinal));
        Assert.All(registered, c => Assert.Contains("--wait", c, StringComparison.Ordinal)); // provision starts only once they are usable
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void LeavesRegisteredProvidersAlone(string shell)
    {
        var result = Run(shell, "Registered");

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(2, AzCalls().Count);
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("provider register", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void UsesAzsSubscriptionWhenAzdGivesNone(string shell)
    {
        var result = Run(shell, "Registering", subscription: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Equal(4, AzCalls().Count);
        Assert.All(AzCalls(), c => Assert.DoesNotContain("--subscription", c, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Shells))]
    public void FailsWhenAzRefuses(string shell)
    {
        var result = Run(shell, "refused");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("AuthorizationFailed", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(AzCalls(), c => c.StartsWith("provider register", StringComparison.Ordinal));
    }

    private ProcessResult Run(string shell, string state, string? subscription = "00000000-0000-0000-0000-0000000000aa") =>
        HookScripts.Run(shell, "register-providers", _directory, new Dictionary<string, string?>
        {
            ["PATH"] = _directory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["AZURE_SUBSCRIPTION_ID"] = subscription,
            ["STUB_STATE"] = state,
            ["STUB_LOG"] = Path.Combine(_directory, "az.log"),
        });

    private List<string> AzCalls()
    {
        var log = Path.Combine(_directory, "az.log");
        return File.Exists(log) ? File.ReadAllLines(log).Where(l => l.Length > 0).ToList() : [];
    }
}
