using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Options;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.TableStorage.SigningKeys;

/// <summary>
/// The signing secret's versions in Key Vault: <c>kid</c> = secret version. A refresh lists the
/// versions' properties (one call) and fetches only values it does not know yet; versions are immutable.
/// </summary>
public sealed class KeyVaultSigningKeySource(SecretClient client, IOptions<SigningKeyOptions> options, TimeProvider time)
    : ISigningKeySource, ISigningKeyAdministration
{
    private string SecretName => options.Value.SecretName;

    public string Description => $"Key Vault {client.VaultUri} secret '{SecretName}'";

    public async Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var versions = new List<SigningKeyVersion>();
        foreach (var version in await ListAsync(cancellationToken))
        {
            // Disabled or expired versions cannot sign or validate: their values are never fetched.
            var wanted = version.Enabled && (version.ExpiresOn is null || now < version.ExpiresOn);
            string? value = null;
            if (wanted && !knownValues.TryGetValue(version.Id, out value))
            {
                var secret = await client.GetSecretAsync(SecretName, version.Id, cancellationToken);
                value = secret.Value.Value;
            }

            versions.Add(version with { Value = value });
        }

        return versions;
    }

    public async Task<IReadOnlyList<SigningKeyVersion>> ListAsync(CancellationToken cancellationToken)
    {
        var versions = new List<SigningKeyVersion>();
        await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(SecretName, cancellationToken))
        {
            versions.Add(new SigningKeyVersion(
                properties.Version,
                properties.Enabled ?? false,
                properties.CreatedOn ?? DateTimeOffset.MinValue,
                properties.NotBefore,
                properties.ExpiresOn,
                Algorithm: SigningKeyMaterial.AlgorithmOfContentType(properties.ContentType)));
        }

        return versions.OrderByDescending(v => v.CreatedOn).ToList();
    }

    public async Task<SigningKeyVersion> AddVersionAsync(CancellationToken cancellationToken)
    {
        var algorithm = options.Value.Algorithm;
        var secret = new KeyVaultSecret(SecretName, SigningKeyMaterial.Generate(algorithm));
        secret.Properties.ContentType = SigningKeyMaterial.ContentTypeOf(algorithm);
        var created = (await client.SetSecretAsync(secret, cancellationToken)).Value.Properties;
        return new SigningKeyVersion(created.Version, created.Enabled ?? true, created.CreatedOn ?? time.GetUtcNow(), created.NotBefore, created.ExpiresOn, Algorithm: algorithm);
    }

    public Task<bool> DisableAsync(string versionId, CancellationToken cancellationToken) => SetEnabledAsync(versionId, false, cancellationToken);

    public Task<bool> EnableAsync(string versionId, CancellationToken cancellationToken) => SetEnabledAsync(versionId, true, cancellationToken);

    private async Task<bool> SetEnabledAsync(string versionId, bool enabled, CancellationToken cancellationToken)
    {
        await foreach (var properties in client.GetPropertiesOfSecretVersionsAsync(SecretName, cancellationToken))
        {
            if (properties.Version == versionId)
            {
                properties.Enabled = enabled;
                await client.UpdateSecretPropertiesAsync(properties, cancellationToken);
                return true;
            }
        }

        return false;
    }
}
