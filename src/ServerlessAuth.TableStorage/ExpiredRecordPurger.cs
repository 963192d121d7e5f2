using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage;

public sealed record PurgeResult(int RevokedTokensDeleted, int SessionsDeleted, int LoginFailuresDeleted, int FeedEventsDeleted = 0, int AuditRecordsDeleted = 0);

/// <summary>
/// Table Storage has no TTL: this drops denylist entries whose tokens have expired (whole hourly
/// partitions, found by a key-range query) and sessions past their absolute or idle end (a filtered
/// scan, acceptable off the request path), stale failed-login counters, and revocation-feed minutes
/// older than the feed's retention, and audit days older than <c>Audit:Retention</c> (whole partitions, by key-range queries). Run hourly (timer function) or by the admin CLI.
/// </summary>
public sealed class ExpiredRecordPurger(
    AuthTables tables, RevocationWindow window, IOptions<AuthOptions> options, IOptions<Audit.AuditOptions> audit, TimeProvider time)
{
    private const int MaxBatch = 100; // Table Storage transaction limit

    public async Task<PurgeResult> PurgeAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;

        // A bucket holds tokens expiring within its hour; it may go once that hour plus the skew has passed.
        var firstKeptBucket = TableKeys.ExpiryBucket(now - settings.ClockSkew - TimeSpan.FromHours(1));
        var tokens = await DeleteAsync(tables.RevokedTokens,
            TableClient.CreateQueryFilter($"PartitionKey lt {firstKeptBucket}"), cancellationToken);

        var sessions = await DeleteAsync(tables.Sessions,
            TableClient.CreateQueryFilter($"ExpiresAt lt {now} or LastSeenAt lt {now - settings.SessionIdleTimeout}"), cancellationToken);

        // Failures older than a day are forgiven anyway (AccountLockout), and no lock outlasts its maximum.
        var failures = await DeleteAsync(tables.LoginFailures,
            TableClient.CreateQueryFilter($"LastFailureAt lt {now - TimeSpan.FromDays(1) - settings.LockoutMaxDuration}"), cancellationToken);

        // A feed minute can refuse nothing once the replica's retention has passed its end.
        var firstKeptMinute = TableRevocationFeed.Partition(now - window.Retention - TimeSpan.FromMinutes(1));
        var feed = await DeleteAsync(tables.RevocationFeed,
            TableClient.CreateQueryFilter($"PartitionKey lt {firstKeptMinute}"), cancellationToken);

        // A UTC day of audit records goes once all of it is older than the retention.
        var firstKeptDay = TableAuditStore.Partition(now - audit.Value.Retention);
        var auditRows = await DeleteAsync(tables.Audit,
            TableClient.CreateQueryFilter($"PartitionKey lt {firstKeptDay}"), cancellationToken);

        return new PurgeResult(tokens, sessions, failures, feed, auditRows);
    }

    private async Task<int> DeleteAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var keys = await TableCall.RunAsync(tables, async ct =>
        {
            var found = new List<(string Partition, string Row)>();
            await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            {
                found.Add((e.PartitionKey, e.RowKey));
            }

            return found;
        }, cancellationToken);

        foreach (var partition in keys.GroupBy(k => k.Partition))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                var actions = chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(k.Partition, k.Row), ETag.All));
                try
                {
                    await TableCall.RunAsync(tables, ct => table.SubmitTransactionAsync(actions, ct), cancellationToken);
                }
                catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404 })
                {
                    // A row went meanwhile (a logout, another purge) and a transaction is all or nothing:
                    // delete the rest one by one; a delete of a missing row is not an error.
                    foreach (var (partitionKey, rowKey) in chunk)
                    {
                        await TableCall.RunAsync(tables, ct => table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, ct), cancellationToken);
                    }
                }
            }
        }

        return keys.Count;
    }
}
