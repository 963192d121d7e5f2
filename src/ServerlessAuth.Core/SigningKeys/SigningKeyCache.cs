using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.SigningKeys;

/// <summary>
/// Keeps the source's versions in memory so that no request calls the source. Re-reads them every
/// <see cref="SigningKeyOptions.RefreshInterval"/> (so a disabled version stops validating within that
/// bound) and, rate-limited, when a token names an unknown <c>kid</c>. If the source fails, the cached
/// versions stay in use; with nothing cached, callers get <see cref="SigningKeysUnavailableException"/>.
/// </summary>
public sealed partial class SigningKeyCache(
    ISigningKeySource source,
    IOptions<SigningKeyOptions> options,
    TimeProvider time,
    ILogger<SigningKeyCache> logger) : ISigningKeyProvider, IDisposable
{
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private Snapshot? _snapshot;
    private SigningKeysUnavailableException? _lastFailure;
    // UTC ticks, read without the lock by the hot path: longs, so reads are never torn.
    private long _lastAttempt = long.MinValue;
    private long _lastUnknownKeyRefresh = long.MinValue;

    private sealed record Snapshot(IReadOnlyList<(SigningKeyVersion Version, SecurityKey Key)> Versions, Dictionary<string, string> Values);

    public async ValueTask<SigningKeyRing> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshot is null || Elapsed(now, ref _lastAttempt) >= options.Value.RefreshInterval)
        {
            await LoadAsync(force: false, cancellationToken);
        }

        return BuildRing(time.GetUtcNow());
    }

    public async ValueTask<SigningKeyRing> RefreshForUnknownKeyAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Elapsed(now, ref _lastUnknownKeyRefresh) >= options.Value.UnknownKeyRefreshCooldown)
        {
            await LoadAsync(force: true, cancellationToken);
        }

        return BuildRing(time.GetUtcNow());
    }

    private async Task LoadAsync(bool force, CancellationToken cancellationToken)
    {
        await _loadLock.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            // Another caller may have loaded while this one waited.
            if (force ? Elapsed(now, ref _lastUnknownKeyRefresh) < options.Value.UnknownKeyRefreshCooldown
                      : _snapshot is not null && Elapsed(now, ref _lastAttempt) < options.Value.RefreshInterval)
            {
                return;
            }

            // Nothing cached and the source just failed: answer from that failure instead of calling
            // the source again for every request (retried after the unknown-key cooldown).
            if (_snapshot is null && _lastFailure is not null && Elapsed(now, ref _lastAttempt) < options.Value.UnknownKeyRefreshCooldown)
            {
                throw _lastFailure;
            }

            Volatile.Write(ref _lastAttempt, now.UtcTicks);
            if (force)
            {
                Volatile.Write(ref _lastUnknownKeyRefresh, now.UtcTicks);
            }

            try
            {
                var versions = await source.LoadAsync(_snapshot?.Values ?? [], cancellationToken);
                _snapshot = BuildSnapshot(versions);
                _lastFailure = null;
                LogLoaded(logger, source.Description, _snapshot.Versions.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                if (_snapshot is null)
                {
                    _lastFailure = new SigningKeysUnavailableException($"Signing keys could not be read from {source.Description}: {ex.Message}", ex);
                    throw _lastFailure;
                }

                LogRefreshFailed(logger, source.Description, ex.GetType().Name, ex.Message);
            }
        }
        finally
        {
            _loadLock.Release();
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

            if (!SigningKeyMaterial.TryDecode(version.Value, out var bytes, out var error))
            {
                // A malformed version must never become a weak key; it is skipped and reported.
                LogMalformedVersion(logger, source.Description, version.Id, error);
                continue;
            }

            keys.Add((version, new SymmetricSecurityKey(bytes) { KeyId = version.Id }));
            values[version.Id] = version.Value;
        }

        return new Snapshot(keys, values);
    }

    private SigningKeyRing BuildRing(DateTimeOffset now)
    {
        var usable = (_snapshot?.Versions ?? [])
            .Where(v => v.Version.IsUsableAt(now))
            .OrderByDescending(v => v.Version.CreatedOn)
            .ToList();
        if (usable.Count == 0)
        {
            throw new SigningKeysUnavailableException(
                $"No enabled, currently valid signing key version in {source.Description}. Create one (see docs/runbooks/key-rotation.md).");
        }

        return new SigningKeyRing(usable[0].Key, usable.Select(v => v.Key).ToList());
    }

    private static TimeSpan Elapsed(DateTimeOffset now, ref long since)
    {
        var ticks = Volatile.Read(ref since);
        return ticks == long.MinValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(now.UtcTicks - ticks);
    }

    public void Dispose() => _loadLock.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} signing key versions from {Source}")]
    private static partial void LogLoaded(ILogger logger, string source, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing signing keys from {Source} failed ({ErrorType}: {Error}); the cached versions stay in use")]
    private static partial void LogRefreshFailed(ILogger logger, string source, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Signing key version {Version} in {Source} is unusable: {Error}")]
    private static partial void LogMalformedVersion(ILogger logger, string source, string version, string error);
}
