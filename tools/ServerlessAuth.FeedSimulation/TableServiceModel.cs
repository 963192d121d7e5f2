using ServerlessAuth.Revocation;

namespace ServerlessAuth.FeedSimulation;

/// <summary>
/// The <c>RevocationFeed</c> table as the service serves it, with Azure's documented targets
/// (https://learn.microsoft.com/azure/storage/tables/scalability-targets): 20,000 transactions/s per
/// account and 2,000 entities/s per partition (1 KiB entities; a feed event is about 300 bytes).
/// A range query returns at most 1,000 entities per response and stops at each partition boundary
/// (https://learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination), so a query
/// costs one transaction per partition it returns rows from, and one more per 1,000 rows.
/// Keys as <c>TableRevocationFeed</c> writes them: PK = stamp minute, RK = stamp ticks and id.
/// Nothing is throttled: the model counts, so a run shows how far past a target the load goes.
/// </summary>
public sealed class TableServiceModel(VirtualClock clock, LatencyModel latency)
{
    public const int PartitionTarget = 2_000;
    public const int AccountTarget = 20_000;
    private const int PageSize = 1_000;

    // Visible entities, ordered by stamp (the row key order).
    private readonly List<(long Stamp, RevocationEvent Event)> _rows = [];
    private readonly Dictionary<(long Minute, long Second), long> _partitionEntities = [];
    private readonly Dictionary<long, long> _accountTransactions = [];

    /// <summary>Counting starts here (after the instances' first full reads).</summary>
    public DateTimeOffset CountFrom { get; set; } = DateTimeOffset.MinValue;

    public DateTimeOffset CountUntil { get; set; } = DateTimeOffset.MaxValue;

    public long Queries { get; private set; }

    public long EntitiesRead { get; private set; }

    public long EntitiesWritten { get; private set; }

    public long Transactions { get; private set; }

    public long ReadTransactions { get; private set; }

    /// <summary>An upsert of events under one stamp: visible at the service half-way through its latency; returns its duration.</summary>
    public TimeSpan Insert(IReadOnlyList<RevocationEvent> events, DateTimeOffset stamp, Action<TimeSpan> completed)
    {
        var took = latency.Write();
        clock.At(clock.Now + took / 2, () =>
        {
            foreach (var e in events)
            {
                var row = (stamp.UtcTicks, e);
                var at = _rows.BinarySearch(row, RowOrder.Instance);
                _rows.Insert(at < 0 ? ~at : at, row);
            }

            Count(Minute(stamp.UtcTicks), events.Count, 1);
            EntitiesWritten += Counting ? events.Count : 0;
        });
        clock.At(clock.Now + took, () => completed(took));
        return took;
    }

    /// <summary>
    /// <c>PartitionKey ge minute(from) and RowKey ge ticks(from)</c>, followed across pages and partitions:
    /// the rows are those visible when the first request reaches the service, the answer arrives after
    /// one round trip per response.
    /// </summary>
    public Task<IReadOnlyList<RevocationEvent>> Query(DateTimeOffset from)
    {
        var answer = new TaskCompletionSource<IReadOnlyList<RevocationEvent>>();
        var first = latency.Read();
        clock.At(clock.Now + first / 2, () =>
        {
            var start = _rows.BinarySearch((from.UtcTicks, null!), RowOrder.Instance);
            start = start < 0 ? ~start : start;
            var events = new RevocationEvent[_rows.Count - start];
            var responses = 0;
            var i = start;
            while (i < _rows.Count)
            {
                var minute = Minute(_rows[i].Stamp);
                var end = i;
                while (end < _rows.Count && Minute(_rows[end].Stamp) == minute)
                {
                    events[end - start] = _rows[end].Event;
                    end++;
                }

                var pages = (end - i + PageSize - 1) / PageSize;
                responses += pages;
                Count(minute, end - i, pages);
                i = end;
            }

            // As TableRevocationFeed reads a starting instance's window: one query per past minute
            // partition, in parallel, and one for the current minute onwards; a partition without rows costs its one request.
            var firstMinute = Minute(from.UtcTicks);
            var current = Minute(clock.Now.UtcTicks);
            if (current - firstMinute >= 3 && current - firstMinute <= 120)
            {
                var withRows = _rows.Skip(start).Select(r => Math.Min(Minute(r.Stamp), current)).Distinct().Count();
                var empty = (int)(current - firstMinute + 1) - withRows;
                responses += empty;
                Count(firstMinute, 0, empty);
            }
            else if (responses == 0)
            {
                responses = 1;
                Count(firstMinute, 0, 1);
            }

            if (Counting)
            {
                ReadTransactions += responses;
                Queries++;
                EntitiesRead += events.Length;
            }

            // Continuations are sequential round trips; the rows per response add transfer time.
            var rest = TimeSpan.Zero;
            for (var r = 1; r < responses; r++)
            {
                rest += latency.Read();
            }

            rest += latency.Transfer(events.Length);
            clock.At(clock.Now + first / 2 + rest, () => answer.SetResult(events));
        });
        return answer.Task;
    }

    private bool Counting => clock.Now >= CountFrom && clock.Now < CountUntil;

    private void Count(long minute, long entities, long transactions)
    {
        if (!Counting)
        {
            return;
        }

        var second = clock.Now.ToUnixTimeSeconds();
        _partitionEntities[(minute, second)] = _partitionEntities.GetValueOrDefault((minute, second)) + entities;
        _accountTransactions[second] = _accountTransactions.GetValueOrDefault(second) + transactions;
        Transactions += transactions;
    }

    private static long Minute(long ticks) => ticks / TimeSpan.TicksPerMinute;

    /// <summary>The busiest partition-second (entities read and written) and the busiest account-second (transactions).</summary>
    public (long PartitionPeak, double PartitionMean, long AccountPeak, double AccountMean, double SecondsOverTarget) Load(int seconds)
    {
        var bySecond = _partitionEntities.GroupBy(p => p.Key.Second).Select(g => g.Max(p => p.Value)).ToList();
        var hottest = bySecond.Count == 0 ? 0 : bySecond.Max();
        var over = bySecond.Count(v => v > PartitionTarget);
        return (hottest, bySecond.Count == 0 ? 0 : bySecond.Sum() / (double)seconds,
            _accountTransactions.Count == 0 ? 0 : _accountTransactions.Values.Max(), Transactions / (double)seconds, over / (double)seconds);
    }

    private sealed class RowOrder : IComparer<(long Stamp, RevocationEvent Event)>
    {
        public static readonly RowOrder Instance = new();

        public int Compare((long Stamp, RevocationEvent Event) x, (long Stamp, RevocationEvent Event) y)
        {
            // A probe (no event) sorts before every row of its stamp, so a search lands on the first of them.
            var byStamp = x.Stamp.CompareTo(y.Stamp);
            return byStamp != 0 ? byStamp
                : x.Event is null ? (y.Event is null ? 0 : -1)
                : y.Event is null ? 1
                : string.CompareOrdinal(x.Event.Id, y.Event.Id);
        }
    }
}
