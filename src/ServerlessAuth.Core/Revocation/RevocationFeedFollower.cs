using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Revocation;

/// <summary>
/// Keeps this instance's <see cref="RevocationReplica"/> current: one feed query per poll interval.
/// At start it reads the last <see cref="RevocationWindow.Retention"/>. After that a poll is short: it
/// reads from <see cref="RevocationWindow.Tail"/> before the previous poll began (slow inserts are
/// stamped again by their writer, so they fall inside it). Once per
/// <see cref="RevocationWindow.FullReadInterval"/> a full read goes back <see cref="RevocationWindow.Overlap"/>
/// before the previous full read, so no event is missed for a clock off by up to the skew or a writer
/// that stopped between its slow insert and the second stamp. Re-read events are applied once. A
/// failed poll leaves the cursors where they were; the replica turns stale and requests fail closed
/// until a poll succeeds.
/// </summary>
public sealed partial class RevocationFeedFollower(
    IRevocationFeedReader feed,
    RevocationReplica replica,
    RevocationWindow window,
    ISigningKeyRefresh keys,
    IOptions<RevocationOptions> options,
    TimeProvider time,
    ILogger<RevocationFeedFollower> logger) : BackgroundService
{
    private DateTimeOffset? _lastStart;
    private DateTimeOffset? _lastFullStart;
    private DateTimeOffset _nextFullAt;
    private bool _failing;

    /// <summary>
    /// Where in its first <see cref="RevocationWindow.FullReadInterval"/> this instance does its second
    /// full read (0 to 1): instances started together spread their full reads instead of reading the
    /// whole overlap in the same second.
    /// </summary>
    public double FullReadPhase { get; init; } = Random.Shared.NextDouble();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = time.GetUtcNow();
            await PollOnceAsync(stoppingToken);

            var wait = started + options.Value.PollInterval - time.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One poll: read, apply, advance the cursor. Failures are logged once per outage, never thrown.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var full = _lastFullStart is null || started >= _nextFullAt;
        var from = _lastStart is not { } last ? started - window.Retention
            : full ? _lastFullStart!.Value - window.Overlap
            : last - window.Tail;
        try
        {
            var events = await feed.ReadSinceAsync(from, cancellationToken);
            if (replica.Apply(events, started))
            {
                keys.RequestRefresh();
            }

            _lastStart = started;
            if (full)
            {
                _nextFullAt = started + (_lastFullStart is null ? window.FullReadInterval * FullReadPhase : window.FullReadInterval);
                _lastFullStart = started;
            }

            if (_failing)
            {
                _failing = false;
                LogRecovered(logger);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            if (!_failing)
            {
                _failing = true;
                LogPollFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the revocation feed failed ({ErrorType}: {Error}); protected requests fail closed once the replica is stale")]
    private static partial void LogPollFailed(ILogger logger, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reading the revocation feed works again; the replica is current")]
    private static partial void LogRecovered(ILogger logger);
}
