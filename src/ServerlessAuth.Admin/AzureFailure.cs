using System.Net.Sockets;
using Azure;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Admin;

/// <summary>
/// Turns a Key Vault or Table Storage failure into the one line an operator needs: which endpoint,
/// what failed, and the likely fix. The SDKs' own messages run to dozens of lines and name no fix.
/// </summary>
internal static class AzureFailure
{
    public const string KeyVaultRole = "Key Vault Secrets Officer";
    public const string StorageRole = "Storage Table Data Contributor";

    /// <summary>Whether <paramref name="ex"/> is trouble reaching or using Key Vault or storage (as opposed to a bug).</summary>
    public static bool IsAzureTrouble(Exception ex) =>
        ex is StorageUnavailableException or SigningKeysUnavailableException or RequestFailedException or AuthenticationFailedException or HttpRequestException
        || ex is AggregateException aggregate && aggregate.InnerExceptions.All(IsAzureTrouble);

    public static string Describe(Exception ex, IServiceProvider? services)
    {
        var storage = Chain(ex).Any(e => e is StorageUnavailableException);
        var endpoint = storage
            ? "Table Storage at " + Try(() => services?.GetRequiredService<AuthTables>().Endpoint.ToString())
            : "Key Vault " + Try(() => services?.GetRequiredService<IOptions<SigningKeyOptions>>().Value.VaultUri?.ToString());
        var service = storage ? "storage account" : "vault";
        var role = storage ? StorageRole : KeyVaultRole;

        if (Chain(ex).OfType<AuthenticationFailedException>().FirstOrDefault() is { } auth)
        {
            return $"{endpoint}: no Azure credential ({auth.GetType().Name}). Sign in with 'az login' (the CLI uses DefaultAzureCredential), "
                + $"as an identity with the '{role}' role on the {service}.";
        }

        if (Chain(ex).OfType<RequestFailedException>().FirstOrDefault(r => r.Status is 401 or 403) is { } denied)
        {
            return $"{endpoint}: access denied (HTTP {denied.Status} {denied.ErrorCode}). Grant your identity the '{role}' role on the {service} "
                + "(role assignments take a few minutes to apply), or 'az login' as one that has it.";
        }

        if (!storage && Chain(ex).OfType<RequestFailedException>().FirstOrDefault(r => r.Status == 404) is { } missing)
        {
            var secret = Try(() => services?.GetRequiredService<IOptions<SigningKeyOptions>>().Value.SecretName);
            return $"{endpoint}: secret '{secret}' not found (HTTP 404 {missing.ErrorCode}). Check SigningKeys:SecretName, or create its first version with 'keys rotate'.";
        }

        var root = Innermost(ex);
        var unreachable = Chain(ex).Any(e => e is HttpRequestException or SocketException or TimeoutException)
            || Chain(ex).OfType<RequestFailedException>().Any(r => r.Status == 0)
            || ex.Message.Contains("did not answer", StringComparison.Ordinal);
        if (unreachable)
        {
            var fix = storage
                ? "Check AuthStorage:ConnectionString or AuthStorage:TableServiceUri; locally, start Azurite (./scripts/run-local.sh does)."
                : "Check SigningKeys:VaultUri and that this machine can reach the vault (its firewall may need your address).";
            return $"{endpoint}: unreachable ({FirstLine(root.Message)}). {fix}";
        }

        return $"{endpoint}: {FirstLine(ex.Message)}";
    }

    private static string Try(Func<string?> read)
    {
        try
        {
            return read() ?? "(not configured)";
        }
        catch (Exception ex) when (ex is InvalidOperationException or OptionsValidationException or ObjectDisposedException)
        {
            return "(endpoint unknown: settings invalid)";
        }
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        yield return ex;
        var inner = ex is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(ex.InnerException is null ? [] : [ex.InnerException]);
        foreach (var child in inner)
        {
            foreach (var e in Chain(child))
            {
                yield return e;
            }
        }
    }

    private static Exception Innermost(Exception ex) => Chain(ex).Last();

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "..." : line;
    }
}
