using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// The storage clock estimate that the revocation feed's stamps and cursors are put on: learnt from the
/// Date header of responses passing through the table client's pipeline, never later than the truth
/// (the header is truncated to the second and written before the answer travels back), and within the
/// header's resolution plus the round trip of it.
/// </summary>
public sealed class StorageClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 1, 0, 0, 250, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    /// <summary>One request through a pipeline holding the clock, answered by a server whose clock is <paramref name="storageAhead"/> of ours, after <paramref name="roundTrip"/>.</summary>
    private async Task SendAsync(StorageClock clock, TimeSpan storageAhead, TimeSpan roundTrip)
    {
        var options = new TableClientOptions
        {
            Transport = new HttpClientTransport(new HttpClient(new StorageServer(_time, storageAhead, roundTrip))),
        };
        options.Retry.MaxRetries = 0;
        options.AddPolicy(clock, HttpPipelinePosition.PerRetry);
        var pipeline = HttpPipelineBuilder.Build(options);
        using var message = pipeline.CreateMessage();
        message.Request.Uri.Reset(new Uri("http://storage.test/Tables"));
        await pipeline.SendAsync(message, CancellationToken.None);
    }

    [Fact]
    public void Until_a_response_is_seen_the_storage_clock_is_ours()
    {
        var clock = new StorageClock(_time);

        Assert.Equal(TimeSpan.Zero, clock.Offset);
        Assert.Equal(Start, clock.Now);
    }

    [Theory]
    [InlineData(20_700)]
    [InlineData(20_000)]
    [InlineData(-20_300)]
    [InlineData(0)]
    public async Task A_response_places_the_storage_clock_at_most_the_resolution_plus_the_round_trip_early_and_never_late(int storageAheadMs)
    {
        var clock = new StorageClock(_time);
        var truth = TimeSpan.FromMilliseconds(storageAheadMs);
        var roundTrip = TimeSpan.FromMilliseconds(400);

        await SendAsync(clock, truth, roundTrip);

        Assert.InRange(clock.Offset, truth - StorageClock.Resolution - roundTrip, truth);
        Assert.Equal(clock.Offset > TimeSpan.Zero ? clock.Offset : TimeSpan.Zero, clock.Behind);
        Assert.Equal(clock.Offset < TimeSpan.Zero ? -clock.Offset : TimeSpan.Zero, clock.Ahead);
    }

    [Fact]
    public async Task A_clock_behind_storage_stamps_later_and_a_clock_ahead_reads_from_earlier()
    {
        var behind = new StorageClock(_time);
        var ahead = new StorageClock(_time);

        await SendAsync(behind, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(10));
        await SendAsync(ahead, TimeSpan.FromSeconds(-20), TimeSpan.FromMilliseconds(10));

        Assert.InRange(behind.Behind, TimeSpan.FromSeconds(18.5), TimeSpan.FromSeconds(20));
        Assert.Equal(TimeSpan.Zero, behind.Ahead);
        Assert.InRange(ahead.Ahead, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(21.5));
        Assert.Equal(TimeSpan.Zero, ahead.Behind);
    }

    [Fact]
    public async Task A_slow_answer_is_not_learnt_from_and_a_later_one_replaces_the_estimate()
    {
        var clock = new StorageClock(_time);
        await SendAsync(clock, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        var learnt = clock.Offset;

        // Its date could be several seconds older than its arrival: it would place the storage clock too early.
        await SendAsync(clock, TimeSpan.FromSeconds(30), StorageClock.MaxRoundTrip + TimeSpan.FromMilliseconds(1));
        Assert.Equal(learnt, clock.Offset);

        await SendAsync(clock, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10));
        Assert.InRange(clock.Offset, TimeSpan.FromSeconds(28.5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_response_without_a_usable_date_changes_nothing()
    {
        var clock = new StorageClock(_time);

        await SendAsync(clock, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10));
        var learnt = clock.Offset;
        var options = new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(new StorageServer(_time, null, TimeSpan.Zero))) };
        options.AddPolicy(clock, HttpPipelinePosition.PerRetry);
        var pipeline = HttpPipelineBuilder.Build(options);
        using var message = pipeline.CreateMessage();
        message.Request.Uri.Reset(new Uri("http://storage.test/Tables"));
        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.Equal(learnt, clock.Offset);
    }

    /// <summary>Answers after the round trip on the fake clock; its Date is written half-way, on its own clock, truncated to the second.</summary>
    private sealed class StorageServer(FakeTimeProvider time, TimeSpan? storageAhead, TimeSpan roundTrip) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            time.Advance(roundTrip / 2);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
            if (storageAhead is { } ahead)
            {
                var serverNow = time.GetUtcNow() + ahead;
                response.Headers.Date = new DateTimeOffset(serverNow.UtcTicks - serverNow.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            }

            time.Advance(roundTrip - roundTrip / 2);
            return Task.FromResult(response);
        }
    }
}
