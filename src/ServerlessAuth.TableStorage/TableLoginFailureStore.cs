using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Lockout;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage;

/// <summary><c>LoginFailures</c>: PK = encoded normalized username. Updates use ETags so parallel failures all count.</summary>
public sealed class TableLoginFailureStore(AuthTables tables) : ILoginFailureStore
{
    private const int MaxAttempts = 5;

    public async Task<LoginFailures?> GetAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        (await ReadAsync(normalizedUsername, cancellationToken))?.ToModel();

    public async Task<LoginFailures> UpdateAsync(string normalizedUsername, Func<LoginFailures?, LoginFailures> update, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await ReadAsync(normalizedUsername, cancellationToken);
            var next = update(current?.ToModel());
            var entity = new FailureEntity
            {
                PartitionKey = TableKeys.ForUsername(normalizedUsername),
                RowKey = "",
                Count = next.Count,
                LockedUntil = next.LockedUntil,
                LastFailureAt = next.LastFailureAt,
            };
            try
            {
                await TableCall.RunAsync(tables, ct => current is null
                    ? tables.LoginFailures.AddEntityAsync(entity, ct)
                    : tables.LoginFailures.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, ct), cancellationToken);
                return next;
            }
            catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409 or 412 } && attempt < MaxAttempts)
            {
                // Another instance counted a failure meanwhile: re-read and count again.
            }
        }
    }

    public async Task ResetAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        await TableCall.RunAsync(tables,
            ct => tables.LoginFailures.DeleteEntityAsync(TableKeys.ForUsername(normalizedUsername), "", ETag.All, ct), cancellationToken);

    private async Task<FailureEntity?> ReadAsync(string normalizedUsername, CancellationToken cancellationToken)
    {
        var response = await TableCall.RunAsync(tables,
            ct => tables.LoginFailures.GetEntityIfExistsAsync<FailureEntity>(TableKeys.ForUsername(normalizedUsername), "", cancellationToken: ct),
            cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private sealed class FailureEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public int Count { get; set; }
        public DateTimeOffset? LockedUntil { get; set; }
        public DateTimeOffset LastFailureAt { get; set; }

        public LoginFailures ToModel() => new(Count, LockedUntil, LastFailureAt);
    }
}
