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
        var response = await TableCall.RunAsync(tables,
            ct => tables.ServiceState.GetEntityIfExistsAsync<TableEntity>(Partition, Row, [Property], ct), cancellationToken);
        return response.HasValue ? response.Value!.GetDateTimeOffset(Property) : null;
    }

    public Task SetAsync(DateTimeOffset instant, CancellationToken cancellationToken) =>
        TableCall.RunAsync(tables,
            ct => tables.ServiceState.UpsertEntityAsync(new TableEntity(Partition, Row) { [Property] = instant }, TableUpdateMode.Replace, ct),
            cancellationToken);
}
