using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage.Health;
using ServerlessAuth.TableStorage.SigningKeys;
using ServerlessAuth.Users;

namespace ServerlessAuth.TableStorage;

public static class TableStorageServiceCollectionExtensions
{
    /// <summary>
    /// The Azure implementations of the core's ports: Table Storage stores, the signing-key source
    /// (Key Vault when <c>SigningKeys:VaultUri</c> is set, else the development table) and the health
    /// checks. Hosts call it after <c>AddServerlessAuthCore</c>.
    /// </summary>
    public static IServiceCollection AddServerlessAuthTableStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidation>();
        services.AddSingleton<IValidateOptions<SigningKeyOptions>, KeySourceEnvironmentValidation>();

        services.AddAzureClients(clients =>
        {
            // In Azure the app settings set AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential, so the chain is only the
            // managed identity (AZURE_CLIENT_ID picks the user-assigned one) and start-up does not try the developer
            // credentials first. Locally, without it, the developer's sign-in.
            clients.UseCredential(new DefaultAzureCredential());

            // Both clients read their settings when first resolved, so every configuration source counts.
            clients.AddClient<TableServiceClient, TableClientOptions>((clientOptions, credential, provider) =>
                {
                    var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
                    // Every response teaches the storage clock, on which the revocation feed is stamped and read.
                    clientOptions.AddPolicy(provider.GetRequiredService<StorageClock>(), HttpPipelinePosition.PerRetry);
                    return !string.IsNullOrEmpty(storage.ConnectionString)
                        ? new TableServiceClient(storage.ConnectionString, clientOptions)
                        : new TableServiceClient(storage.TableServiceUri!, credential, clientOptions);
                })
                .ConfigureOptions(o =>
                {
                    // Fail fast: a request should get its 503 within the operation timeout, not after minutes of retries.
                    o.Retry.MaxRetries = 2;
                    o.Retry.Delay = TimeSpan.FromMilliseconds(100);
                    o.Retry.MaxDelay = TimeSpan.FromSeconds(1);
                    o.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
                });
            clients.AddClient<SecretClient, SecretClientOptions>((clientOptions, credential, provider) =>
                    new SecretClient(provider.GetRequiredService<IOptions<SigningKeyOptions>>().Value.VaultUri!, credential, clientOptions))
                .ConfigureOptions(o => o.Retry.NetworkTimeout = TimeSpan.FromSeconds(5));
        });

        services.AddSingleton<StorageClock>();
        services.AddSingleton<AuthTables>();
        services.AddSingleton<IUserStore, TableUserStore>();
        services.AddSingleton<ISessionStore, TableSessionStore>();
        services.AddSingleton<IRevokedTokenStore, TableRevokedTokenStore>();
        services.AddSingleton<ISessionCutoffStore, TableSessionCutoffStore>();
        services.AddSingleton<IRevocationFeed, TableRevocationFeed>();
        services.AddSingleton<Lockout.ILoginFailureStore, TableLoginFailureStore>();
        services.AddSingleton<Audit.IAuditStore, TableAuditStore>();
        services.AddSingleton<Clients.IApiClientStore, TableApiClientStore>();
        services.AddSingleton<ExpiredRecordPurger>();

        // Key Vault when a vault is configured, else the development table (refused in Production).
        services.AddSingleton<KeyVaultSigningKeySource>();
        services.AddSingleton<TableSigningKeySource>();
        services.AddSingleton<ISigningKeySource>(UseKeyVault<ISigningKeySource>);
        services.AddSingleton<ISigningKeyAdministration>(UseKeyVault<ISigningKeyAdministration>);

        // Reported by GET /api/health under these names; one line per check.
        services.AddHealthChecks()
            .AddCheck<TableStorageHealthCheck>("storage")
            .AddCheck<SigningKeyHealthCheck>("signingKey")
            .AddCheck<RevocationReplicaHealthCheck>("revocationFeed");

        return services;
    }

    private static T UseKeyVault<T>(IServiceProvider provider) where T : class =>
        provider.GetRequiredService<IOptions<SigningKeyOptions>>().Value.VaultUri is not null
            ? (provider.GetRequiredService<KeyVaultSigningKeySource>() as T)!
            : (provider.GetRequiredService<TableSigningKeySource>() as T)!;

    private sealed class StorageOptionsValidation : IValidateOptions<StorageOptions>
    {
        public const string Message =
            "Set AuthStorage:ConnectionString (Azurite, local runs) or AuthStorage:TableServiceUri (Azure, reached with the managed identity).";

        public ValidateOptionsResult Validate(string? name, StorageOptions options)
        {
            if (string.IsNullOrEmpty(options.ConnectionString) && options.TableServiceUri is null)
            {
                return ValidateOptionsResult.Fail(Message);
            }

            if (!string.IsNullOrEmpty(options.ConnectionString) && options.TableServiceUri is not null)
            {
                return ValidateOptionsResult.Fail(
                    "AuthStorage:ConnectionString and AuthStorage:TableServiceUri are both set; set only one (clear the other, e.g. 'export AuthStorage__ConnectionString=').");
            }

            if (!string.IsNullOrEmpty(options.ConnectionString) && !IsConnectionString(options.ConnectionString))
            {
                return ValidateOptionsResult.Fail("AuthStorage:ConnectionString is not a storage connection string (e.g. UseDevelopmentStorage=true).");
            }

            if (options.TableServiceUri is { } uri && (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
            {
                return ValidateOptionsResult.Fail("AuthStorage:TableServiceUri must be an absolute https URI such as https://<account>.table.core.windows.net.");
            }

            if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > TimeSpan.FromSeconds(60))
            {
                return ValidateOptionsResult.Fail("AuthStorage:OperationTimeout must be between 0 and 60 seconds.");
            }

            return options.TablePrefix.All(char.IsAsciiLetterOrDigit) && (options.TablePrefix.Length == 0 || char.IsAsciiLetter(options.TablePrefix[0]))
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("AuthStorage:TablePrefix must be letters and digits, starting with a letter.");
        }

        private static bool IsConnectionString(string value)
        {
            try
            {
                _ = new TableServiceClient(value);
                return true;
            }
            catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException)
            {
                return false;
            }
        }
    }

    /// <summary>The development key table is not a key store: refuse it where real tokens are issued.</summary>
    private sealed class KeySourceEnvironmentValidation(IHostEnvironment environment) : IValidateOptions<SigningKeyOptions>
    {
        public ValidateOptionsResult Validate(string? name, SigningKeyOptions options) =>
            options.VaultUri is null && environment.IsProduction()
                ? ValidateOptionsResult.Fail("SigningKeys:VaultUri is required in Production: the table key source is for development only.")
                : ValidateOptionsResult.Success;
    }
}
