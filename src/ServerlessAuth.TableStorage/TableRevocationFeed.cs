using System.Globalization;
using Azure.Data.Tables;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// <c>RevocationFeed</c>: PK = the UTC minute of the event's stamp, RK = the stamp's ticks and the
/// id, so one range query (PK and RK from a starting instant on) reads everything since then across
/// partitions, and the purge drops whole minutes. The stamp is on the storage service's clock
/// (<see cref="StorageClock"/>): the event's <c>PublishedAt</c> moved on by as much as this writer's
/// clock lags storage, so a writer whose clock is behind is keyed where readers look; a read starts
/// as far earlier as this reader's clock may be ahead of storage. <c>PublishedAt</c> itself is kept
/// as published. Writes are upserts, so a retried
/// publish cannot fail on its own first attempt. An insert that took longer than
/// <see cref="RevocationWindow.LateWrite"/> is written once more under the time it returned (same
/// event ids, so replicas apply it once): followers' short reads look back only
/// <see cref="RevocationWindow.Tail"/>.
/// </summary>
public sealed class TableRevocationFeed(AuthTables tables, TimeProvider? time = null, StorageClock? clock = null) : IRevocationFeed
{
    private const int MaxBatch = 100; // Table Storage transaction limit
    private const int MaxStamps = 3; // then the publish fails (503) and the caller repeats it

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly StorageClock _clock = clock ?? new StorageClock(time ?? TimeProvider.System);

    /// <summary>Rows per page of a read; the query follows continuation tokens across pages.</summary>
    public int PageSize { get; init; } = 1000;

    public static string Partition(DateTimeOffset publishedAt) =>
        publishedAt.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);

    private static string RowStart(DateTimeOffset publishedAt) =>
        publishedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public async Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken)
    {
        // Read once: a transaction must stay inside one partition of the stamps.
        var behind = _clock.Behind;
        foreach (var partition in events.GroupBy(e => Partition(e.PublishedAt + behind)))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                await WriteAsync(chunk, behind, cancellationToken);
            }
        }
    }

    private async Task WriteAsync(RevocationEvent[] chunk, TimeSpan behind, CancellationToken cancellationToken)
    {
        DateTimeOffset? restamp = null;
        for (var attempt = 1; ; attempt++)
        {
            var sent = _time.GetUtcNow();
            var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                ToEntity(e, restamp ?? e.PublishedAt + behind))).ToList();
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

            restamp = landed + behind;
        }
    }

    /// <summary>
    /// One range query across partitions; a read reaching back more than <see cref="ParallelFrom"/> (a
    /// starting instance's whole window) reads each past minute's partition in parallel instead, so
    /// the first sync costs a few round trips rather than one per page in sequence.
    /// </summary>
    public async Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        // The caller's instant is on this instance's clock; stamps are on storage's.
        from -= _clock.Ahead;
        var current = Minute(_time.GetUtcNow());
        var first = Minute(from);
        if (current - first < ParallelFrom || current - first > MaxParallelSpan)
        {
            return Once(await QueryAsync(TableClient.CreateQueryFilter($"PartitionKey ge {Partition(from)} and RowKey ge {RowStart(from)}"), cancellationToken));
        }

        // The first minute from the instant on, whole minutes after it, then the current minute and any later (clocks ahead).
        var filters = new List<string> { TableClient.CreateQueryFilter($"PartitionKey eq {Partition(from)} and RowKey ge {RowStart(from)}") };
        for (var minute = first + TimeSpan.FromMinutes(1); minute < current; minute += TimeSpan.FromMinutes(1))
        {
            filters.Add(TableClient.CreateQueryFilter($"PartitionKey eq {Partition(minute)}"));
        }

        filters.Add(TableClient.CreateQueryFilter($"PartitionKey ge {Partition(current)}"));
        var parts = new IReadOnlyList<RevocationEvent>[filters.Count];
        await Parallel.ForAsync(0, filters.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => parts[i] = await QueryAsync(filters[i], ct));
        return Once(parts.SelectMany(p => p));
    }

    // A slow insert's second copy is the same event: return each id once, in key order.
    private static List<RevocationEvent> Once(IEnumerable<RevocationEvent> events)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. events.Where(e => seen.Add(e.Id))];
    }

    /// <summary>A read spanning this many minute partitions or more queries them in parallel.</summary>
    public TimeSpan ParallelFrom { get; init; } = TimeSpan.FromMinutes(3);

    // Past any window (token lifetimes are at most an hour): one query, not a task per minute.
    private static readonly TimeSpan MaxParallelSpan = TimeSpan.FromHours(2);

    private static DateTimeOffset Minute(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);

    private Task<IReadOnlyList<RevocationEvent>> QueryAsync(string filter, CancellationToken cancellationToken) =>
        TableCall.RunAsync<IReadOnlyList<RevocationEvent>>(tables, async ct =>
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
