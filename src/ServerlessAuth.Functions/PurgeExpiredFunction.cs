using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Functions;

/// <summary>
/// Deletes expired revoked-token, session and failed-login records once an hour, at five past the hour (UTC by
/// default). The schedule is a six-field NCRONTAB expression: second minute hour day month weekday.
/// </summary>
public sealed partial class PurgeExpiredFunction(ExpiredRecordPurger purger, ILogger<PurgeExpiredFunction> logger)
{
    [Function("PurgeExpired")]
    public async Task RunAsync(
        [TimerTrigger("0 5 * * * *")] TimerInfo timer,
        CancellationToken cancellationToken)
    {
        var result = await purger.PurgeAsync(cancellationToken);
        LogPurged(logger, result.RevokedTokensDeleted, result.SessionsDeleted, result.LoginFailuresDeleted, timer.IsPastDue);
    }

    [LoggerMessage(
        Level = LogLevel.Information,
        Message = "Purged {RevokedTokensDeleted} expired revoked tokens, {SessionsDeleted} expired sessions and {LoginFailuresDeleted} stale failed-login counters (past due: {IsPastDue}).")]
    private static partial void LogPurged(ILogger logger, int revokedTokensDeleted, int sessionsDeleted, int loginFailuresDeleted, bool isPastDue);
}
