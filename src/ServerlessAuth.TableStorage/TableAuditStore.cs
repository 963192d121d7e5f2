using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using ServerlessAuth.Audit;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// <c>Audit</c>: PK = the UTC day of the event (<c>yyyyMMdd</c>), RK = its ticks and a random suffix, so
/// "since an instant" is one range query across days and retention is a whole-partition delete.
/// </summary>
public sealed class TableAuditStore(AuthTables tables) : IAuditStore
{
    public static string Partition(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string RowStart(DateTimeOffset at) => at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(Partition(auditEvent.At), $"{RowStart(auditEvent.At)}-{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9))}")
        {
            ["Kind"] = AuditEvent.NameOf(auditEvent.Kind),
            ["At"] = auditEvent.At,
            ["UserId"] = auditEvent.UserId,
            ["ClientAddress"] = auditEvent.ClientAddress,
            ["UserAgent"] = auditEvent.UserAgent,
            ["Outcome"] = auditEvent.Outcome,
            ["Detail"] = auditEvent.Detail,
        };
        // The row key ends in 72 random bits: a 409 on a retried insert is this event's own first attempt.
        return TableCall.InsertAsync(tables, tables.Audit, entity, isOwnWrite: null, cancellationToken);
    }

    public Task<IReadOnlyList<AuditEvent>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {Partition(since)} and RowKey ge {RowStart(since)}");
        return TableCall.RunAsync<IReadOnlyList<AuditEvent>>(tables, async ct =>
        {
            var list = new List<AuditEvent>();
            await foreach (var e in tables.Audit.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            {
                if (AuditEvent.TryParseKind(e.GetString("Kind"), out var kind) && e.GetDateTimeOffset("At") is { } at)
                {
                    list.Add(new AuditEvent(kind, at, e.GetString("UserId"), e.GetString("ClientAddress"), e.GetString("UserAgent"),
                        e.GetString("Outcome") ?? "", e.GetString("Detail")));
                }
            }

            return list;
        }, cancellationToken);
    }
}
