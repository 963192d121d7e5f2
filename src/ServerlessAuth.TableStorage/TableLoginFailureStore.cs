using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Lockout;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage;

/// <summary><c>LoginFailures</c>: PK = encoded normalized username. Updates use ETags so parallel failures all count.</summary>
public sealed class TableLoginFailureStore(AuthTables tables) : ILoginFailureStore
{
    // Cross-instance conflicts are rare (each instance serializes its own updates below); retry them with jitter.
    private const int MaxAttempts = 10;

    // Parallel failures for one name on this instance take turns instead of racing on the ETag.
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<LoginFailures?> GetAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        (await ReadAsync(normalizedUsername, cancellationToken))?.ToModel();

    public async Task<LoginFailures> UpdateAsync(string normalizedUsername, Func<LoginFailures?, LoginFailures> update, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(normalizedUsername) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
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
                    if (current is null)
                    {
                        // A retried insert that finds this very count (to the tick of the failure) found its own first attempt.
                        await TableCall.InsertAsync(tables, tables.LoginFailures, entity,
                            stored => stored.Count == entity.Count && stored.LockedUntil == entity.LockedUntil && stored.LastFailureAt == entity.LastFailureAt,
                            cancellationToken);
                    }
                    else
                    {
                        await TableCall.RunAsync(tables,
                            ct => tables.LoginFailures.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, ct), cancellationToken);
                    }

                    return next;
                }
                catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409 or 412 } && attempt < MaxAttempts)
                {
                    // Another instance counted a failure meanwhile: re-read and count again.
                    await Task.Delay(Random.Shared.Next(5, 30), cancellationToken);
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    public async Task ResetAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        await TableCall.RunAsync(tables,
            ct => tables.LoginFailures.DeleteEntityAsync(TableKeys.ForUsername(normalizedUsername), "", ETag.All, ct), cancellationToken);

    private Task<FailureEntity?> ReadAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        TableCall.PointReadAsync<FailureEntity>(tables, tables.LoginFailures, TableKeys.ForUsername(normalizedUsername), "", null, cancellationToken);

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
