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
using ServerlessAuth.TableStorage.SigningKeys;
using ServerlessAuth.Users;

namespace ServerlessAuth.TableStorage;

public static class TableStorageServiceCollectionExtensions
{
    /// <summary>
    /// The core plus its Azure implementations: Table Storage stores, and the signing-key source
    /// (Key Vault when <c>SigningKeys:VaultUri</c> is set, else the development table).
    /// </summary>
    public static IServiceCollection AddServerlessAuthServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessAuthCore(configuration);
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidation>();
        services.AddSingleton<IValidateOptions<SigningKeyOptions>, KeySourceEnvironmentValidation>();

        var storage = configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        var keys = configuration.GetSection(SigningKeyOptions.SectionName).Get<SigningKeyOptions>() ?? new SigningKeyOptions();

        services.AddAzureClients(clients =>
        {
            // Managed identity in Azure (AZURE_CLIENT_ID picks the user-assigned one); developer sign-in locally.
            clients.UseCredential(new DefaultAzureCredential());
            clients.AddClient<TableServiceClient, TableClientOptions>((clientOptions, credential) =>
                    !string.IsNullOrEmpty(storage.ConnectionString)
                        ? new TableServiceClient(storage.ConnectionString, clientOptions)
                        : new TableServiceClient(storage.TableServiceUri ?? throw new InvalidOperationException(StorageOptionsValidation.Message), credential, clientOptions))
                .ConfigureOptions(o =>
                {
                    // Fail fast: a request should get its 503 within the operation timeout, not after minutes of retries.
                    o.Retry.MaxRetries = 2;
                    o.Retry.Delay = TimeSpan.FromMilliseconds(100);
                    o.Retry.MaxDelay = TimeSpan.FromSeconds(1);
                    o.Retry.NetworkTimeout = TimeSpan.FromSeconds(2);
                });
            if (keys.VaultUri is not null)
            {
                clients.AddSecretClient(keys.VaultUri).ConfigureOptions(o => o.Retry.NetworkTimeout = TimeSpan.FromSeconds(5));
            }
        });

        services.AddSingleton<AuthTables>();
        services.AddSingleton<IUserStore, TableUserStore>();
        services.AddSingleton<ISessionStore, TableSessionStore>();
        services.AddSingleton<IRevokedTokenStore, TableRevokedTokenStore>();
        services.AddSingleton<ISessionCutoffStore, TableSessionCutoffStore>();
        services.AddSingleton<Lockout.ILoginFailureStore, TableLoginFailureStore>();
        services.AddSingleton<ExpiredRecordPurger>();

        if (keys.VaultUri is not null)
        {
            services.AddSingleton<KeyVaultSigningKeySource>();
            services.AddSingleton<ISigningKeySource>(sp => sp.GetRequiredService<KeyVaultSigningKeySource>());
            services.AddSingleton<ISigningKeyAdministration>(sp => sp.GetRequiredService<KeyVaultSigningKeySource>());
        }
        else
        {
            services.AddSingleton<TableSigningKeySource>();
            services.AddSingleton<ISigningKeySource>(sp => sp.GetRequiredService<TableSigningKeySource>());
            services.AddSingleton<ISigningKeyAdministration>(sp => sp.GetRequiredService<TableSigningKeySource>());
        }

        return services;
    }

    private sealed class StorageOptionsValidation : IValidateOptions<StorageOptions>
    {
        public const string Message =
            "Set AuthStorage:ConnectionString (Azurite, local runs) or AuthStorage:TableServiceUri (Azure, reached with the managed identity).";

        public ValidateOptionsResult Validate(string? name, StorageOptions options)
        {
            if (string.IsNullOrEmpty(options.ConnectionString) == (options.TableServiceUri is null))
            {
                return ValidateOptionsResult.Fail(Message);
            }

            if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > TimeSpan.FromSeconds(60))
            {
                return ValidateOptionsResult.Fail("AuthStorage:OperationTimeout must be between 0 and 60 seconds.");
            }

            return options.TablePrefix.All(char.IsAsciiLetterOrDigit) && (options.TablePrefix.Length == 0 || char.IsAsciiLetter(options.TablePrefix[0]))
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("AuthStorage:TablePrefix must be letters and digits, starting with a letter.");
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
