using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ServerlessAuth.Sessions;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Revocation;

public enum ReplicaAnswer
{
    Accept,
    Refuse,

    /// <summary>The replica cannot prove it is current: refuse with 503.</summary>
    Stale,
}

/// <summary>
/// This instance's in-memory copy of the revocation state of the last <see cref="RevocationWindow.Retention"/>,
/// fed by <see cref="RevocationFeedFollower"/>, and by this instance's own publishes
/// (<see cref="ApplyPublished"/>) so that what it revokes is refused here before the request that
/// revoked it is answered. Lookups take no lock and allocate nothing; writers may run concurrently.
/// </summary>
public sealed class RevocationReplica(RevocationWindow window, IOptions<RevocationOptions> options, IOptions<AuthOptions> auth, TimeProvider time)
{
    public const string TokenRevoked = "The token has been revoked.";
    public const string SessionEnded = "The session has ended.";

    // Values are the UTC ticks after which an entry can refuse nothing any more.
    private readonly ConcurrentDictionary<string, long> _revokedTokens = new(StringComparer.Ordinal);
    // By (sub, sid), as the token carries them: an event naming a session under the wrong user ends nothing.
    private readonly ConcurrentDictionary<(string Subject, string SessionId), long> _endedSessions = new();
    private readonly ConcurrentDictionary<string, (long Cutoff, long KeepUntil)> _userCutoffs = new(StringComparer.Ordinal);

    // Event ids applied, with their publish ticks, for de-duplicating re-reads (of the follower's own
    // earlier polls, or of this instance's own publishes).
    private readonly ConcurrentDictionary<string, long> _applied = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _serviceCutoff = long.MinValue;
    private long _currentAsOf = long.MinValue;

    /// <summary>When the last completed poll began: the replica holds every event visible by then.</summary>
    public DateTimeOffset? CurrentAsOf => Volatile.Read(ref _currentAsOf) is var t && t == long.MinValue ? null : new DateTimeOffset(t, TimeSpan.Zero);

    public int TrackedCount => _revokedTokens.Count + _endedSessions.Count + _userCutoffs.Count;

    public bool IsCurrent(DateTimeOffset now) =>
        Volatile.Read(ref _currentAsOf) is var t && t != long.MinValue && now.UtcTicks - t <= options.Value.StalenessBound.Ticks;

    /// <summary>A starting instance has not polled yet: wait for its first poll, at most one staleness bound.</summary>
    public async ValueTask WaitForFirstSyncAsync(CancellationToken cancellationToken)
    {
        if (!_firstSync.Task.IsCompleted)
        {
            try
            {
                await _firstSync.Task.WaitAsync(options.Value.StalenessBound, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Answered by IsCurrent: still stale.
            }
        }
    }

    /// <summary><see cref="Check"/>, after waiting for the first poll if a starting instance has not polled yet.</summary>
    public async ValueTask<(ReplicaAnswer Answer, string? Refusal)> CheckAsync(AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var answer = Check(claims, out var refusal);
        if (answer == ReplicaAnswer.Stale && CurrentAsOf is null)
        {
            await WaitForFirstSyncAsync(cancellationToken);
            answer = Check(claims, out refusal);
        }

        return (answer, refusal);
    }

    /// <summary>Why a <see cref="ReplicaAnswer.Stale"/> answer was given; <paramref name="source"/> names what the events come from.</summary>
    public string DescribeStaleness(string source) => CurrentAsOf is { } asOf
        ? $"The revocation state is {(time.GetUtcNow() - asOf).TotalSeconds:0.#} s old (bound {options.Value.StalenessBound.TotalSeconds:0.#} s): {source} cannot be read."
        : $"The revocation state has not been read yet from {source}.";

    public ReplicaAnswer Check(AccessTokenClaims claims, out string? refusal)
    {
        refusal = null;
        if (!IsCurrent(time.GetUtcNow()))
        {
            return ReplicaAnswer.Stale;
        }

        if (_revokedTokens.ContainsKey(claims.TokenId))
        {
            refusal = TokenRevoked;
            return ReplicaAnswer.Refuse;
        }

        if (_endedSessions.ContainsKey((claims.Subject, claims.SessionId)))
        {
            refusal = SessionEnded;
            return ReplicaAnswer.Refuse;
        }

        var cutoff = Volatile.Read(ref _serviceCutoff);
        if (_userCutoffs.TryGetValue(claims.Subject, out var user) && user.Cutoff > cutoff)
        {
            cutoff = user.Cutoff;
        }

        // A backstop with a skew allowance: the sessions it spares were ended by their own events.
        if (cutoff != long.MinValue && SessionValidity.EndedByCutoff(claims.AuthTime, new DateTimeOffset(cutoff, TimeSpan.Zero), auth.Value.ClockSkew))
        {
            refusal = SessionEnded;
            return ReplicaAnswer.Refuse;
        }

        return ReplicaAnswer.Accept;
    }

    /// <summary>
    /// Applies one poll's events (each at most once) and marks the replica current as of
    /// <paramref name="pollStartedAt"/>. Entries that can refuse nothing any more are dropped.
    /// </summary>
    /// <returns>Whether a new signing-key event was among them.</returns>
    public bool Apply(IEnumerable<RevocationEvent> events, DateTimeOffset pollStartedAt)
    {
        var keysChanged = ApplyEach(events);
        Prune(pollStartedAt);
        Volatile.Write(ref _currentAsOf, pollStartedAt.UtcTicks);
        _firstSync.TrySetResult();
        return keysChanged;
    }

    /// <summary>
    /// Applies events this instance has just published, so they are refused here at once (read your
    /// writes); a later poll that reads them again skips them. Says nothing about the rest of the feed,
    /// so the replica is not marked current: only a completed poll does that.
    /// </summary>
    /// <returns>Whether a new signing-key event was among them.</returns>
    public bool ApplyPublished(IEnumerable<RevocationEvent> events) => ApplyEach(events);

    private bool ApplyEach(IEnumerable<RevocationEvent> events)
    {
        var keysChanged = false;
        var retention = window.Retention;
        foreach (var e in events)
        {
            if (!_applied.TryAdd(e.Id, e.PublishedAt.UtcTicks))
            {
                continue;
            }

            var keepUntil = (e.PublishedAt + retention).UtcTicks;
            switch (e.Kind)
            {
                case RevocationEventKind.TokenRevoked when e.TokenId is not null && e.Instant is { } expires:
                    _revokedTokens[e.TokenId] = (expires + auth.Value.ClockSkew).UtcTicks;
                    break;
                case RevocationEventKind.SessionEnded when e.Subject is not null && e.SessionId is not null:
                    _endedSessions[(e.Subject, e.SessionId)] = keepUntil;
                    break;
                case RevocationEventKind.UserCutoff when e.Subject is not null && e.Instant is { } instant:
                    _userCutoffs.AddOrUpdate(e.Subject, (instant.UtcTicks, keepUntil),
                        (_, old) => (Math.Max(old.Cutoff, instant.UtcTicks), Math.Max(old.KeepUntil, keepUntil)));
                    break;
                case RevocationEventKind.ServiceCutoff when e.Instant is { } instant:
                    // Kept for good: one value, and refusing sessions begun before it is always right.
                    RaiseServiceCutoff(instant.UtcTicks);
                    break;
                case RevocationEventKind.SigningKeysChanged:
                    keysChanged = true;
                    break;
            }
        }

        return keysChanged;
    }

    /// <summary>Keeps the latest cutoff when two writers race (a poll and a local publish).</summary>
    private void RaiseServiceCutoff(long ticks)
    {
        var current = Volatile.Read(ref _serviceCutoff);
        while (ticks > current)
        {
            var seen = Interlocked.CompareExchange(ref _serviceCutoff, ticks, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        Remove(_revokedTokens, ticks);
        Remove(_endedSessions, ticks);
        foreach (var (subject, value) in _userCutoffs)
        {
            if (value.KeepUntil < ticks)
            {
                _userCutoffs.TryRemove(new KeyValuePair<string, (long, long)>(subject, value));
            }
        }

        // Ids are needed only while the next polls may read their events again.
        var forgetBefore = (now - window.RereadHorizon - options.Value.StalenessBound).UtcTicks;
        foreach (var (id, published) in _applied)
        {
            if (published < forgetBefore)
            {
                _applied.TryRemove(new KeyValuePair<string, long>(id, published));
            }
        }

        static void Remove<TKey>(ConcurrentDictionary<TKey, long> entries, long now)
            where TKey : notnull
        {
            foreach (var (key, keepUntil) in entries)
            {
                if (keepUntil < now)
                {
                    entries.TryRemove(new KeyValuePair<TKey, long>(key, keepUntil));
                }
            }
        }
    }
}
