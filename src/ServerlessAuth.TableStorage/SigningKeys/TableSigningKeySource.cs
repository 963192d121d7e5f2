using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.TableStorage.SigningKeys;

/// <summary>
/// Development key source for runs without Key Vault (there is no Key Vault emulator): versions of the
/// secret as rows of <c>SigningKeys</c> (PK = secret name, RK = version id), with Key Vault's semantics
/// (enabled, not-before, expires), so the rotation runbook can be rehearsed on Azurite. Refused in Production.
/// </summary>
public sealed class TableSigningKeySource(AuthTables tables, IOptions<SigningKeyOptions> options, TimeProvider time)
    : ISigningKeySource, ISigningKeyAdministration
{
    private string SecretName => options.Value.SecretName;

    public string Description => $"development key table '{tables.SigningKeys.Name}' (set '{SecretName}')";

    public async Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken) =>
        (await QueryAsync(cancellationToken)).Select(e => e.ToModel(includeValue: true)).ToList();

    public async Task<IReadOnlyList<SigningKeyVersion>> ListAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(cancellationToken)).Select(e => e.ToModel(includeValue: false)).OrderByDescending(v => v.CreatedOn).ToList();

    public async Task<SigningKeyVersion> AddVersionAsync(CancellationToken cancellationToken)
    {
        var entity = new KeyVersionEntity
        {
            PartitionKey = SecretName,
            RowKey = Guid.NewGuid().ToString("N"),
            Value = SigningKeyMaterial.Generate(options.Value.Algorithm),
            Enabled = true,
            CreatedOn = time.GetUtcNow(),
        };
        await TableCall.RunAsync(tables, ct => tables.SigningKeys.AddEntityAsync(entity, ct), cancellationToken);
        return entity.ToModel(includeValue: false);
    }

    public Task<bool> DisableAsync(string versionId, CancellationToken cancellationToken) => SetEnabledAsync(versionId, false, cancellationToken);

    public Task<bool> EnableAsync(string versionId, CancellationToken cancellationToken) => SetEnabledAsync(versionId, true, cancellationToken);

    private async Task<bool> SetEnabledAsync(string versionId, bool enabled, CancellationToken cancellationToken)
    {
        var changes = new TableEntity(SecretName, versionId) { [nameof(KeyVersionEntity.Enabled)] = enabled };
        try
        {
            await TableCall.RunAsync(tables, ct => tables.SigningKeys.UpdateEntityAsync(changes, ETag.All, TableUpdateMode.Merge, ct), cancellationToken);
            return true;
        }
        catch (Storage.StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404 })
        {
            return false;
        }
    }

    private Task<List<KeyVersionEntity>> QueryAsync(CancellationToken cancellationToken) =>
        TableCall.RunAsync(tables, async ct =>
        {
            var list = new List<KeyVersionEntity>();
            var name = SecretName;
            await foreach (var entity in tables.SigningKeys.QueryAsync<KeyVersionEntity>(e => e.PartitionKey == name, cancellationToken: ct))
            {
                list.Add(entity);
            }

            return list;
        }, cancellationToken);

    private sealed class KeyVersionEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Value { get; set; } = "";
        public bool Enabled { get; set; }
        public DateTimeOffset CreatedOn { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        public DateTimeOffset? ExpiresOn { get; set; }

        public SigningKeyVersion ToModel(bool includeValue) =>
            new(RowKey, Enabled, CreatedOn, NotBefore, ExpiresOn, includeValue && Enabled ? Value : null, SigningKeyMaterial.AlgorithmOfValue(Value));
    }
}
