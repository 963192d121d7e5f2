using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Revocation;

/// <summary>
/// Keeps this instance's <see cref="RevocationReplica"/> current: one feed query per poll interval.
/// At start it reads the last <see cref="RevocationWindow.Retention"/>; after that each query starts
/// <see cref="RevocationWindow.Overlap"/> before the previous one began, so no event is missed for a
/// writer's clock skew or a slow insert, and re-read events are applied once. A failed poll leaves
/// the cursor where it was; the replica turns stale and requests fail closed until a poll succeeds.
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
    private DateTimeOffset? _from;
    private bool _failing;

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
        var from = _from ?? started - window.Retention;
        try
        {
            var events = await feed.ReadSinceAsync(from, cancellationToken);
            if (replica.Apply(events, started))
            {
                keys.RequestRefresh();
            }

            _from = started - window.Overlap;
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
