using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Clients;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage;

/// <summary><c>ApiClients</c>: one partition (a handful of rows), RK = client id (its characters are all key-safe).</summary>
public sealed class TableApiClientStore(AuthTables tables) : IApiClientStore
{
    private const string Partition = "client";

    public async Task<ApiClient?> FindAsync(string clientId, CancellationToken cancellationToken) =>
        (await TableCall.PointReadAsync<ClientEntity>(tables, tables.ApiClients, Partition, clientId, null, cancellationToken))?.ToModel();

    public async Task<bool> AddAsync(ApiClient client, CancellationToken cancellationToken)
    {
        var entity = new ClientEntity
        {
            PartitionKey = Partition,
            RowKey = client.Id,
            Description = client.Description,
            SecretHash = client.SecretHash,
            CreatedAt = client.CreatedAt,
        };
        try
        {
            await TableCall.RunAsync(tables, ct => tables.ApiClients.AddEntityAsync(entity, ct), cancellationToken);
            return true;
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409, ErrorCode: "EntityAlreadyExists" })
        {
            return false;
        }
    }

    public Task<IReadOnlyList<ApiClient>> ListAsync(CancellationToken cancellationToken) =>
        TableCall.RunAsync<IReadOnlyList<ApiClient>>(tables, async ct =>
        {
            var list = new List<ApiClient>();
            await foreach (var entity in tables.ApiClients.QueryAsync<ClientEntity>(e => e.PartitionKey == Partition, cancellationToken: ct))
            {
                list.Add(entity.ToModel());
            }

            return list;
        }, cancellationToken);

    public async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken)
    {
        var response = await TableCall.RunAsync(tables, ct => tables.ApiClients.DeleteEntityAsync(Partition, clientId, ETag.All, ct), cancellationToken);
        return response.Status != 404;
    }

    private sealed class ClientEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string? Description { get; set; }
        public byte[] SecretHash { get; set; } = [];
        public DateTimeOffset CreatedAt { get; set; }

        public ApiClient ToModel() => new(RowKey, Description, SecretHash, CreatedAt);
    }
}
