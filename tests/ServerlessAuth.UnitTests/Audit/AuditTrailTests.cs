using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ServerlessAuth.Audit;

namespace ServerlessAuth.UnitTests.Audit;

public sealed class AuditTrailTests
{
    private sealed class MemoryAuditStore : IAuditStore
    {
        public List<AuditEvent> Rows { get; } = [];

        public Exception? Failure { get; set; }

        public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            Rows.Add(auditEvent);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<AuditEvent>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AuditEvent>>([.. Rows.Where(r => r.At >= since)]);
    }

    private sealed class RecordingLogger : ILogger<AuditTrail>
    {
        public List<(EventId Id, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId, formatter(state, exception)));
    }

    private readonly MemoryAuditStore _store = new();
    private readonly RecordingLogger _logger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 6, 1, 9, 0, 0, TimeSpan.Zero));

    private AuditTrail Trail => new(_store, _logger, _time);

    [Fact]
    public void Every_kind_has_a_distinct_stable_name_that_parses_back()
    {
        var kinds = Enum.GetValues<AuditKind>();
        Assert.Equal(18, kinds.Length);
        Assert.Equal(kinds.Length, kinds.Select(AuditEvent.NameOf).Distinct().Count());
        Assert.All(kinds, k => Assert.True(AuditEvent.TryParseKind(AuditEvent.NameOf(k), out var parsed) && parsed == k));
        Assert.False(AuditEvent.TryParseKind("LoginFailed", out _));
    }

    [Fact]
    public async Task A_record_is_a_row_and_a_log_event_with_the_kinds_stable_id()
    {
        var recorded = await Trail.RecordAsync(AuditKind.LoginFailed, new AuditActor("203.0.113.7", "curl/8"), "u1", "refused", "bad_credentials", CancellationToken.None);

        var row = Assert.Single(_store.Rows);
        Assert.Equal(recorded, row);
        Assert.Equal(_time.GetUtcNow(), row.At);
        Assert.Equal(("u1", "203.0.113.7", "curl/8", "refused"), (row.UserId, row.ClientAddress, row.UserAgent, row.Outcome));
        var entry = Assert.Single(_logger.Entries);
        Assert.Equal(new EventId(1002, "login_failed"), entry.Id);
        Assert.Equal(1002, entry.Id.Id);
        Assert.Equal("login_failed", entry.Id.Name);
        Assert.Contains("203.0.113.7", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_user_agents_are_cut_and_empty_ones_dropped()
    {
        await Trail.RecordAsync(AuditKind.Logout, new AuditActor(null, new string('a', 1000)), null, "ok", null, CancellationToken.None);
        await Trail.RecordAsync(AuditKind.Logout, new AuditActor(null, ""), null, "ok", null, CancellationToken.None);

        Assert.Equal(AuditEvent.MaxUserAgentLength, _store.Rows[0].UserAgent!.Length);
        Assert.Null(_store.Rows[1].UserAgent);
    }

    [Fact]
    public async Task A_failed_write_reaches_the_caller()
    {
        _store.Failure = new Storage.StorageUnavailableException("down");

        await Assert.ThrowsAsync<Storage.StorageUnavailableException>(() =>
            Trail.RecordAsync(AuditKind.LoginSucceeded, AuditActor.Operator, "u1", "ok", null, CancellationToken.None));
    }
}
