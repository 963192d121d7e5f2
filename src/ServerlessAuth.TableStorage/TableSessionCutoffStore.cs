using Azure.Data.Tables;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.TableStorage;

/// <summary>One fixed row of <c>ServiceState</c>; reading it is a point read with constant keys.</summary>
public sealed class TableSessionCutoffStore(AuthTables tables) : ISessionCutoffStore
{
    private const string Partition = "service";
    private const string Row = "sessions-valid-after";
    private const string Property = "ValidAfter";

    public async Task<DateTimeOffset?> GetAsync(CancellationToken cancellationToken)
    {
        var row = await TableCall.PointReadAsync<TableEntity>(tables, tables.ServiceState, Partition, Row, [Property], cancellationToken);
        return row?.GetDateTimeOffset(Property);
    }

    public Task SetAsync(DateTimeOffset instant, CancellationToken cancellationToken) =>
        TableCall.RunAsync(tables,
            ct => tables.ServiceState.UpsertEntityAsync(new TableEntity(Partition, Row) { [Property] = instant }, TableUpdateMode.Replace, ct),
            cancellationToken);
}
