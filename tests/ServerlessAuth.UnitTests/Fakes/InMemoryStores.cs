using System.Collections.Concurrent;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Fakes;

/// <summary>
/// Lets a test hold every store read at its start until a given number of reads have started.
/// If the code under test awaited one read before starting the next, the first read would wait in
/// vain: after the timeout it fails with a message saying how many reads had started.
/// </summary>
public sealed class ReadBarrier(int participants, TimeSpan timeout)
{
    private readonly TaskCompletionSource _allStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public int Started => Volatile.Read(ref _started);

    public async Task ArriveAndWaitAsync()
    {
        if (Interlocked.Increment(ref _started) >= participants)
        {
            _allStarted.TrySetResult();
        }

        try
        {
            await _allStarted.Task.WaitAsync(timeout);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(
                $"Only {Started} of {participants} reads had started after {timeout}: the reads were issued one after another, not concurrently.", ex);
        }
    }
}

public sealed class InMemoryUserStore : IUserStore
{
    private readonly ConcurrentDictionary<string, UserAccount> _users = new(StringComparer.Ordinal);

    /// <summary>Awaited at the start of <see cref="FindByIdAsync"/>.</summary>
    public Func<Task>? BeforeFindById { get; set; }

    public int FindByIdCalls;
    public int PasswordHashUpdates;

    public UserAccount? this[string userId] => _users.TryGetValue(userId, out var user) ? user : null;

    public void Add(UserAccount user) => _users[user.Id] = user;

    public async Task<UserAccount?> FindByIdAsync(string userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref FindByIdCalls);
        if (BeforeFindById is { } before)
        {
            await before();
        }

        return this[userId];
    }

    public Task<UserAccount?> FindByNormalizedNameAsync(string normalizedUsername, CancellationToken cancellationToken) =>
        Task.FromResult(_users.Values.FirstOrDefault(u => u.NormalizedUsername == normalizedUsername));

    public Task CreateAsync(UserAccount user, CancellationToken cancellationToken)
    {
        if (_users.Values.Any(u => u.NormalizedUsername == user.NormalizedUsername) || !_users.TryAdd(user.Id, user))
        {
            throw new DuplicateUsernameException(user.Username);
        }

        return Task.CompletedTask;
    }

    public Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref PasswordHashUpdates);
        Update(userId, u => u with { PasswordHash = passwordHash });
        return Task.CompletedTask;
    }

    public Task<bool> SetDisabledAsync(string userId, bool disabled, CancellationToken cancellationToken) =>
        Task.FromResult(Update(userId, u => u with { Disabled = disabled }));

    public Task SetTokensValidAfterAsync(string userId, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        Update(userId, u => u with { TokensValidAfter = instant });
        return Task.CompletedTask;
    }

    private bool Update(string userId, Func<UserAccount, UserAccount> change)
    {
        if (!_users.TryGetValue(userId, out var user))
        {
            return false;
        }

        _users[userId] = change(user);
        return true;
    }
}

public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<(string UserId, string SessionId), Session> _sessions = new();
    private readonly ConcurrentDictionary<(string UserId, string SessionId), DateTimeOffset> _writtenAt = new();

    /// <summary>
    /// The store's own clock, as Table Storage's (row Timestamp, response Date): when set, a read says how long
    /// ago by it the row was last written (<see cref="Session.SinceLastWrite"/>); when null the store cannot say.
    /// </summary>
    public TimeProvider? StoreClock { get; set; }

    /// <summary>Awaited at the start of <see cref="FindAsync"/>.</summary>
    public Func<Task>? BeforeFind { get; set; }

    public int FindCalls;

    public Task CreateAsync(Session session, CancellationToken cancellationToken)
    {
        if (!_sessions.TryAdd((session.UserId, session.Id), session with { Version = NextVersion(), SinceLastWrite = null }))
        {
            throw new InvalidOperationException($"Session {session.Id} exists already.");
        }

        Written(session.UserId, session.Id);
        return Task.CompletedTask;
    }

    public async Task<Session?> FindAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref FindCalls);
        if (BeforeFind is { } before)
        {
            await before();
        }

        if (!_sessions.TryGetValue((userId, sessionId), out var session))
        {
            return null;
        }

        return StoreClock is { } clock && _writtenAt.TryGetValue((userId, sessionId), out var writtenAt)
            ? session with { SinceLastWrite = clock.GetUtcNow() - writtenAt }
            : session;
    }

    public Task TouchAsync(string userId, string sessionId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue((userId, sessionId), out var session))
        {
            _sessions[(userId, sessionId)] = session with { LastSeenAt = lastSeenAt, Version = NextVersion() };
            Written(userId, sessionId);
        }

        return Task.CompletedTask;
    }

    /// <summary>Awaited at the start of <see cref="ReplaceIfUnchangedAsync"/>.</summary>
    public Func<Task>? BeforeReplace { get; set; }

    /// <summary>Awaited after a replace was applied, before it is answered: throw from it to lose the answer of a write that landed.</summary>
    public Func<Task>? AfterReplace { get; set; }

    public int Replacements;

    public async Task<bool> ReplaceIfUnchangedAsync(Session expected, Session replacement, CancellationToken cancellationToken)
    {
        if (BeforeReplace is { } before)
        {
            await before();
        }

        var key = (expected.UserId, expected.Id);
        if (!_sessions.TryGetValue(key, out var current) || current.Version != expected.Version)
        {
            return false;
        }

        // Compares by reference: an ETag check.
        var replaced = _sessions.TryUpdate(key, replacement with { Version = NextVersion(), SinceLastWrite = null }, current);
        if (replaced)
        {
            Written(expected.UserId, expected.Id);
            Interlocked.Increment(ref Replacements);
            if (AfterReplace is { } after)
            {
                await after();
            }
        }

        return replaced;
    }

    private void Written(string userId, string sessionId)
    {
        if (StoreClock is { } clock)
        {
            _writtenAt[(userId, sessionId)] = clock.GetUtcNow();
        }
    }

    private long _version;

    private string NextVersion() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task<bool> DeleteAsync(string userId, string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult(_sessions.TryRemove((userId, sessionId), out _));

    public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Session>>(_sessions.Values.Where(s => s.UserId == userId).ToList());

    public Task<IReadOnlyList<Session>> ListCreatedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Session>>(_sessions.Values.Where(s => s.CreatedAt >= since).ToList());
}

public sealed class InMemoryRevokedTokenStore : IRevokedTokenStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    /// <summary>Awaited at the start of <see cref="IsRevokedAsync"/>.</summary>
    public Func<Task>? BeforeIsRevoked { get; set; }

    public int IsRevokedCalls;

    public Task RevokeAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken)
    {
        _revoked[tokenId] = tokenExpiresAt;
        return Task.CompletedTask;
    }

    public async Task<bool> IsRevokedAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref IsRevokedCalls);
        if (BeforeIsRevoked is { } before)
        {
            await before();
        }

        return _revoked.TryGetValue(tokenId, out var expires) && expires == tokenExpiresAt;
    }
}

public sealed class InMemorySessionCutoffStore : ISessionCutoffStore
{
    private DateTimeOffset? _cutoff;

    /// <summary>Awaited at the start of <see cref="GetAsync"/>.</summary>
    public Func<Task>? BeforeGet { get; set; }

    public int GetCalls;

    public async Task<DateTimeOffset?> GetAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref GetCalls);
        if (BeforeGet is { } before)
        {
            await before();
        }

        return _cutoff;
    }

    public Task SetAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        _cutoff = instant;
        return Task.CompletedTask;
    }
}

/// <summary>Key versions held in a list the test edits; counts loads.</summary>
public sealed class InMemorySigningKeySource : ISigningKeySource
{
    private readonly Lock _gate = new();
    private readonly List<SigningKeyVersion> _versions = [];

    public string Description => "in-memory key set 'test-keys'";

    public int LoadCount { get; private set; }

    public void Add(SigningKeyVersion version)
    {
        lock (_gate)
        {
            _versions.Add(version);
        }
    }

    public Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            LoadCount++;
            return Task.FromResult<IReadOnlyList<SigningKeyVersion>>(_versions.ToList());
        }
    }
}

/// <summary>
/// The feed as a list. Events become visible when published, or later with <see cref="PublishHidden"/>
/// (an insert still on its way); <see cref="BeforeRead"/> injects faults.
/// </summary>
public sealed class InMemoryRevocationFeed : IRevocationFeed
{
    private readonly Lock _gate = new();
    private readonly List<(RevocationEvent Event, bool Visible)> _events = [];

    public Func<Task>? BeforeRead { get; set; }

    /// <summary>Awaited at the start of <see cref="PublishAsync"/>; a throwing hook makes the publish fail.</summary>
    public Func<Task>? BeforePublish { get; set; }

    public int Reads;

    /// <summary>The events of each successful <see cref="PublishAsync"/> call, in order.</summary>
    public IReadOnlyList<IReadOnlyList<RevocationEvent>> Publishes
    {
        get
        {
            lock (_gate)
            {
                return _publishes.ToList();
            }
        }
    }

    private readonly List<IReadOnlyList<RevocationEvent>> _publishes = [];

    public IReadOnlyList<DateTimeOffset> ReadFroms => _readFroms;

    private readonly List<DateTimeOffset> _readFroms = [];

    public async Task PublishAsync(IReadOnlyList<RevocationEvent> events, CancellationToken cancellationToken)
    {
        if (BeforePublish is { } hook)
        {
            await hook();
        }

        lock (_gate)
        {
            _events.AddRange(events.Select(e => (e, true)));
            _publishes.Add(events.ToList());
        }
    }

    public void PublishHidden(RevocationEvent e)
    {
        lock (_gate)
        {
            _events.Add((e, false));
        }
    }

    public void RevealAll()
    {
        lock (_gate)
        {
            for (var i = 0; i < _events.Count; i++)
            {
                _events[i] = (_events[i].Event, true);
            }
        }
    }

    public async Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        if (BeforeRead is { } hook)
        {
            await hook();
        }

        lock (_gate)
        {
            _readFroms.Add(from);
            var found = _events.Where(e => e.Visible && e.Event.PublishedAt >= from)
                .Select(e => e.Event)
                .OrderBy(e => e.PublishedAt)
                .ToList();
            return found;
        }
    }
}
