using Microsoft.Extensions.Logging;

namespace ServerlessAuth.Audit;

/// <summary>
/// Records security events twice: a structured log event with a stable id (1000 + <see cref="AuditKind"/>,
/// named after the kind) and a row in the audit table. The row is written before the caller goes on:
/// a failed write throws <see cref="Storage.StorageUnavailableException"/>, and callers fail closed
/// (the request answers 503 and hands out no session; see docs/architecture.md).
/// </summary>
public sealed class AuditTrail(IAuditStore store, ILogger<AuditTrail> logger, TimeProvider time)
{
    private static readonly IReadOnlyDictionary<AuditKind, Action<ILogger, string?, string?, string?, string, string?, Exception?>> Messages =
        Enum.GetValues<AuditKind>().ToDictionary(
            kind => kind,
            kind => LoggerMessage.Define<string?, string?, string?, string, string?>(
                kind is AuditKind.LoginSucceeded or AuditKind.Logout ? LogLevel.Information : LogLevel.Warning,
                new EventId(1000 + (int)kind, AuditEvent.NameOf(kind)),
                "Audit " + AuditEvent.NameOf(kind) + ": user {UserId}, client {ClientAddress}, agent {UserAgent}, outcome {Outcome}, {Detail}"));

    public async Task<AuditEvent> RecordAsync(
        AuditKind kind, AuditActor actor, string? userId, string outcome, string? detail, CancellationToken cancellationToken)
    {
        var userAgent = actor.UserAgent is { Length: > AuditEvent.MaxUserAgentLength } ua ? ua[..AuditEvent.MaxUserAgentLength] : actor.UserAgent;
        var auditEvent = new AuditEvent(kind, time.GetUtcNow(), userId, actor.ClientAddress, string.IsNullOrEmpty(userAgent) ? null : userAgent, outcome, detail);
        Messages[kind](logger, auditEvent.UserId, auditEvent.ClientAddress, auditEvent.UserAgent, auditEvent.Outcome, auditEvent.Detail, null);
        await store.AppendAsync(auditEvent, cancellationToken);
        return auditEvent;
    }

    public Task<IReadOnlyList<AuditEvent>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        store.ListSinceAsync(since, cancellationToken);
}
