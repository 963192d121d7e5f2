using System.Globalization;
using Azure.Data.Tables;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// <c>RevocationFeed</c>: PK = the UTC minute the event was published (writer's clock), RK = its
/// ticks and id, so one range query (PK and RK from a starting instant on) reads everything since
/// then across partitions, and the purge drops whole minutes. Writes are upserts, so a retried
/// publish cannot fail on its own first attempt. An insert that took longer than
/// <see cref="RevocationWindow.LateWrite"/> is written once more under the time it returned (same
/// event ids, so replicas apply it once): followers' short reads look back only
/// <see cref="RevocationWindow.Tail"/>.
/// </summary>
public sealed class TableRevocationFeed(AuthTables tables, TimeProvider? time = null) : IRevocationFeed
{
    private const int MaxBatch = 100; // Table Storage transaction limit
    private const int MaxStamps = 3; // then the publish fails (503) and the caller repeats it

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Rows per page of a read; the query follows continuation tokens across pages.</summary>
    public int PageSize { get; init; } = 1000;

    public static string Partition(DateTimeOffset publishedAt) =>
        publishedAt.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static string RowStart(DateTimeOffset publishedAt) =>
        publishedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public async Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken)
    {
        foreach (var partition in events.GroupBy(e => Partition(e.PublishedAt)))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                await WriteAsync(chunk, cancellationToken);
            }
        }
    }

    private async Task WriteAsync(RevocationEvent[] chunk, CancellationToken cancellationToken)
    {
        DateTimeOffset? restamp = null;
        for (var attempt = 1; ; attempt++)
        {
            var sent = _time.GetUtcNow();
            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(e, restamp ?? e.PublishedAt))).ToList();
            await TableCall.RunAsync(tables, ct => tables.RevocationFeed.SubmitTransactionAsync(actions, ct), cancellationToken);
            var landed = _time.GetUtcNow();
            if (landed - sent <= RevocationWindow.LateWrite)
            {
                return;
            }

            if (attempt == MaxStamps)
            {
                throw new Storage.StorageUnavailableException(
                    $"Revocation feed inserts took longer than {RevocationWindow.LateWrite.TotalMilliseconds:0} ms {MaxStamps} times in a row.");
            }

            restamp = landed;
        }
    }

    public Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {Partition(from)} and RowKey ge {RowStart(from)}");
        return TableCall.RunAsync<IReadOnlyList<RevocationEvent>>(tables, async ct =>
        {
            var events = new List<RevocationEvent>();
            await foreach (var entity in tables.RevocationFeed.QueryAsync<TableEntity>(filter, PageSize, cancellationToken: ct))
            {
                if (FromEntity(entity) is { } e)
                {
                    events.Add(e);
                }
            }

            return events;
        }, cancellationToken);
    }

    // Keyed by the stamp (the publish time, or when a slow insert returned); PublishedAt is kept as published.
    private static TableEntity ToEntity(RevocationEvent e, DateTimeOffset stamp) => new(Partition(stamp), $"{RowStart(stamp)}-{e.Id}")
    {
        ["Kind"] = e.Kind.ToString(),
        ["PublishedAt"] = e.PublishedAt,
        ["Subject"] = e.Subject,
        ["SessionId"] = e.SessionId,
        ["TokenId"] = e.TokenId,
        ["Instant"] = e.Instant,
    };

    private static RevocationEvent? FromEntity(TableEntity entity)
    {
        var dash = entity.RowKey.IndexOf('-');
        if (dash < 0 || !Enum.TryParse<RevocationEventKind>(entity.GetString("Kind"), out var kind)
            || entity.GetDateTimeOffset("PublishedAt") is not { } publishedAt)
        {
            return null; // Not a row this version wrote.
        }

        return new RevocationEvent(entity.RowKey[(dash + 1)..], kind, publishedAt,
            entity.GetString("Subject"), entity.GetString("SessionId"), entity.GetString("TokenId"), entity.GetDateTimeOffset("Instant"));
    }
}
