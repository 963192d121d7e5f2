using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.TableStorage;

/// <summary><c>RevokedTokens</c>: PK = the UTC hour of the token's expiry, RK = jti. Both come from the token, so a check is a point read.</summary>
public sealed class TableRevokedTokenStore(AuthTables tables) : IRevokedTokenStore
{
    public Task RevokeAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(TableKeys.ExpiryBucket(tokenExpiresAt), tokenId) { ["ExpiresAt"] = tokenExpiresAt };
        return TableCall.RunAsync(tables, ct => tables.RevokedTokens.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct), cancellationToken);
    }

    public async Task<bool> IsRevokedAsync(string tokenId, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken)
    {
        var row = await TableCall.PointReadAsync<TableEntity>(tables, tables.RevokedTokens,
            TableKeys.ExpiryBucket(tokenExpiresAt), tokenId, ["PartitionKey"], cancellationToken);
        return row is not null;
    }
}
