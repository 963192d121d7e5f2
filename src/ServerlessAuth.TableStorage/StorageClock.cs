using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// The table service's clock as seen from here, learnt from the <c>Date</c> header of every response
/// (a pipeline policy on the table client), so the revocation feed's stamps and its readers' cursors
/// share one clock however far the instances' own clocks are apart. The header has a resolution of
/// one second and is written before the response travels back, so <see cref="Offset"/> is a lower
/// bound: it is at most <see cref="Resolution"/> plus <see cref="MaxRoundTrip"/> below the truth.
/// Until a response has been seen the offset is zero.
/// </summary>
public sealed class StorageClock(TimeProvider time) : HttpPipelinePolicy
{
    /// <summary>The <c>Date</c> header's resolution.</summary>
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);

    /// <summary>Slower round trips are not learnt from: their date could be this much older than their arrival.</summary>
    public static readonly TimeSpan MaxRoundTrip = TimeSpan.FromMilliseconds(500);

    private long _offsetTicks;

    /// <summary>Storage clock minus this instance's clock, rounded down (see the class remarks).</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Volatile.Read(ref _offsetTicks));

    /// <summary>The storage service's time now, never later than the truth.</summary>
    public DateTimeOffset Now => time.GetUtcNow() + Offset;

    /// <summary>How far this instance's clock may be ahead of the storage service's (zero when behind): a reader starts this much earlier.</summary>
    public TimeSpan Ahead => Offset < TimeSpan.Zero ? -Offset : TimeSpan.Zero;

    /// <summary>How far this instance's clock surely lags the storage service's (zero when not): a writer stamps this much later.</summary>
    public TimeSpan Behind => Offset > TimeSpan.Zero ? Offset : TimeSpan.Zero;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var sent = time.GetUtcNow();
        ProcessNext(message, pipeline);
        Learn(message, sent);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var sent = time.GetUtcNow();
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Learn(message, sent);
    }

    private void Learn(HttpMessage message, DateTimeOffset sent)
    {
        if (message.HasResponse && message.Response.Headers.Date is { } date)
        {
            Learn(date, sent, time.GetUtcNow());
        }
    }

    /// <summary>One response's evidence: its <c>Date</c>, when the request left and when the answer arrived (local clock).</summary>
    public void Learn(DateTimeOffset date, DateTimeOffset sent, DateTimeOffset received)
    {
        if (received - sent > MaxRoundTrip || received < sent)
        {
            return;
        }

        // The date was written at or before the arrival, and is truncated to the second: date - received <= truth.
        Volatile.Write(ref _offsetTicks, (date - received).Ticks);
    }
}
