using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Storage;

namespace ServerlessAuth.SigningKeys;

/// <summary>
/// Keeps the source's versions in memory so that no request calls the source. Re-reads them in the
/// background every <see cref="SigningKeyOptions.RefreshInterval"/> while requests keep using the
/// cached ring; at once when the revocation feed reports a key change (<see cref="RequestRefresh"/>);
/// and, rate-limited, when a token names an unknown <c>kid</c>. A request waits for the source only
/// when nothing is cached or for an unknown <c>kid</c>, and never longer than
/// <see cref="StorageOptions.OperationTimeout"/>. If the source fails, the cached versions stay in
/// use; with nothing cached, callers get <see cref="SigningKeysUnavailableException"/>.
/// </summary>
public sealed partial class SigningKeyCache(
    ISigningKeySource source,
    IOptions<SigningKeyOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<SigningKeyCache> logger) : ISigningKeyProvider
{
    private readonly CoalescedReload _reload = new();
    private volatile Snapshot? _snapshot;
    private volatile CachedRing? _ring;
    private volatile SigningKeysUnavailableException? _lastFailure;
    // UTC ticks, read without the lock by the hot path: longs, so reads are never torn.
    private long _lastAttempt = long.MinValue;
    private long _lastUnknownKeyRefresh = long.MinValue;

    private sealed record Snapshot(IReadOnlyList<(SigningKeyVersion Version, SecurityKey Key)> Versions, Dictionary<string, string> Values)
    {
        public Dictionary<string, (string Value, SecurityKey Key)> Keys { get; } =
            Versions.GroupBy(v => v.Version.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (g.Last().Version.Value!, g.Last().Key), StringComparer.Ordinal);
    }

    /// <summary>A ring built from one snapshot, good until the next not-before or expiry among its versions.</summary>
    private sealed record CachedRing(Snapshot Source, SigningKeyRing Ring, long ValidUntilTicks);

    private TimeSpan WaitBound => storage.Value.OperationTimeout;

    public async ValueTask<SigningKeyRing> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshot is null)
        {
            // Nothing cached and the source just failed: answer from that failure instead of calling
            // the source again for every request (retried after the unknown-key cooldown).
            if (_lastFailure is { } failure && Elapsed(now, ref _lastAttempt) < options.Value.UnknownKeyRefreshCooldown)
            {
                throw failure;
            }

            await WaitForAsync(StartLoad(force: false), cancellationToken);
        }
        else if (Elapsed(now, ref _lastAttempt) >= options.Value.RefreshInterval)
        {
            _ = StartLoad(force: false); // in the background: the cached ring answers this request
        }

        return Ring(time.GetUtcNow());
    }

    public async ValueTask<SigningKeyRing> RefreshForUnknownKeyAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Elapsed(now, ref _lastUnknownKeyRefresh) >= options.Value.UnknownKeyRefreshCooldown)
        {
            Volatile.Write(ref _lastUnknownKeyRefresh, now.UtcTicks);
            await WaitForAsync(StartLoad(force: true), cancellationToken);
        }

        return Ring(time.GetUtcNow());
    }

    public void RequestRefresh() => _ = StartLoad(force: true);

    /// <summary>The one load in flight, started if there is none; a forced request during a load runs one more after it.</summary>
    private Task StartLoad(bool force) =>
        _reload.Start(force, LoadOnceAsync, () => Volatile.Write(ref _lastAttempt, time.GetUtcNow().UtcTicks));

    /// <summary>Never throws: the outcome is the snapshot, or the failure kept for callers with nothing cached.</summary>
    private async Task LoadOnceAsync()
    {
        using var timeout = new CancellationTokenSource(WaitBound, time);
        try
        {
            // WaitAsync as well: a call that ignores its token must not keep the one load slot forever.
            var versions = await source.LoadAsync(_snapshot?.Values ?? [], timeout.Token).WaitAsync(timeout.Token);
            _snapshot = BuildSnapshot(versions);
            _lastFailure = null;
            LogLoaded(logger, source.Description, _snapshot.Versions.Count);
        }
        catch (Exception ex)
        {
            var reason = ex is OperationCanceledException ? $"no answer within {WaitBound.TotalSeconds:0.#} s" : ex.Message;
            if (_snapshot is null)
            {
                _lastFailure = new SigningKeysUnavailableException($"Signing keys could not be read from {source.Description}: {reason}", ex);
            }
            else
            {
                LogRefreshFailed(logger, source.Description, ex.GetType().Name, reason);
            }
        }
    }

    private async Task WaitForAsync(Task load, CancellationToken cancellationToken)
    {
        try
        {
            await load.WaitAsync(WaitBound, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            if (_snapshot is null)
            {
                throw new SigningKeysUnavailableException(
                    $"Signing keys could not be read from {source.Description}: no answer within {WaitBound.TotalSeconds:0.#} s.");
            }

            return; // The cached ring answers; the load goes on in the background.
        }

        if (_snapshot is null)
        {
            throw _lastFailure ?? new SigningKeysUnavailableException($"Signing keys could not be read from {source.Description}.");
        }
    }

    private Snapshot BuildSnapshot(IReadOnlyList<SigningKeyVersion> versions)
    {
        var keys = new List<(SigningKeyVersion, SecurityKey)>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var version in versions)
        {
            if (!version.Enabled || version.Value is null)
            {
                continue;
            }

            // Versions are immutable: a value seen before keeps its parsed key (and the library's cached crypto for it).
            if (_snapshot?.Keys.TryGetValue(version.Id, out var known) == true && known.Value == version.Value)
            {
                keys.Add((version, known.Key));
                values[version.Id] = version.Value;
                continue;
            }

            if (!SigningKeyMaterial.TryParse(version.Id, version.Value, out var key, out var error))
            {
                // A malformed version must never become a weak key; it is skipped and reported.
                LogMalformedVersion(logger, source.Description, version.Id, error);
                continue;
            }

            keys.Add((version, key));
            values[version.Id] = version.Value;
        }

        return new Snapshot(keys, values);
    }

    private SigningKeyRing Ring(DateTimeOffset now)
    {
        var snapshot = _snapshot;
        if (_ring is { } cached && ReferenceEquals(cached.Source, snapshot) && now.UtcTicks < cached.ValidUntilTicks)
        {
            return cached.Ring;
        }

        var versions = snapshot?.Versions ?? [];
        var usable = versions
            .Where(v => v.Version.IsUsableAt(now))
            .OrderByDescending(v => v.Version.CreatedOn)
            .ToList();
        if (usable.Count == 0)
        {
            throw new SigningKeysUnavailableException(
                $"No enabled, currently valid signing key version in {source.Description}. Create one (see docs/runbooks/key-rotation.md).");
        }

        // The ring changes by itself only when some version's window opens or closes.
        var validUntil = versions
            .SelectMany(v => new[] { v.Version.NotBefore, v.Version.ExpiresOn })
            .Where(t => t > now)
            .Select(t => t!.Value.UtcTicks)
            .DefaultIfEmpty(long.MaxValue)
            .Min();
        var ring = new SigningKeyRing(usable[0].Key, usable.Select(v => v.Key).ToList());
        if (snapshot is not null)
        {
            _ring = new CachedRing(snapshot, ring, validUntil);
        }

        return ring;
    }

    private static TimeSpan Elapsed(DateTimeOffset now, ref long since)
    {
        var ticks = Volatile.Read(ref since);
        return ticks == long.MinValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(now.UtcTicks - ticks);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} signing key versions from {Source}")]
    private static partial void LogLoaded(ILogger logger, string source, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing signing keys from {Source} failed ({ErrorType}: {Error}); the cached versions stay in use")]
    private static partial void LogRefreshFailed(ILogger logger, string source, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Signing key version {Version} in {Source} is unusable: {Error}")]
    private static partial void LogMalformedVersion(ILogger logger, string source, string version, string error);
}
