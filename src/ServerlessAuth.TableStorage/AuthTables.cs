using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;
using ServerlessAuth.Telemetry;

namespace ServerlessAuth.TableStorage;

/// <summary>The service's tables. Names are fixed (Bicep creates the same ones); a prefix may be set for shared accounts.</summary>
public sealed class AuthTables(TableServiceClient service, IOptions<StorageOptions> options, AuthMetrics metrics)
{
    public static readonly IReadOnlyList<string> Names = ["Users", "UserNames", "Sessions", "RevokedTokens", "SigningKeys", "ServiceState", "LoginFailures", "RevocationFeed", "Audit", "ApiClients"];

    public TableClient Users { get; } = service.GetTableClient(options.Value.TablePrefix + "Users");
    public TableClient UserNames { get; } = service.GetTableClient(options.Value.TablePrefix + "UserNames");
    public TableClient Sessions { get; } = service.GetTableClient(options.Value.TablePrefix + "Sessions");
    public TableClient RevokedTokens { get; } = service.GetTableClient(options.Value.TablePrefix + "RevokedTokens");
    public TableClient SigningKeys { get; } = service.GetTableClient(options.Value.TablePrefix + "SigningKeys");
    public TableClient ServiceState { get; } = service.GetTableClient(options.Value.TablePrefix + "ServiceState");
    public TableClient LoginFailures { get; } = service.GetTableClient(options.Value.TablePrefix + "LoginFailures");
    public TableClient RevocationFeed { get; } = service.GetTableClient(options.Value.TablePrefix + "RevocationFeed");
    public TableClient Audit { get; } = service.GetTableClient(options.Value.TablePrefix + "Audit");
    public TableClient ApiClients { get; } = service.GetTableClient(options.Value.TablePrefix + "ApiClients");

    public TimeSpan OperationTimeout => options.Value.OperationTimeout;

    /// <summary>The table service these tables live on (no credential in it).</summary>
    public Uri Endpoint => service.Uri;

    internal AuthMetrics Metrics => metrics;

    /// <summary>Creates any missing table (local runs and tests; in Azure, Bicep creates them).</summary>
    public async Task CreateAllAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Users, UserNames, Sessions, RevokedTokens, SigningKeys, ServiceState, LoginFailures, RevocationFeed, Audit, ApiClients })
        {
            await TableCall.RunAsync(this, ct => table.CreateIfNotExistsAsync(ct), cancellationToken);
        }
    }

    /// <summary>One cheap point read: proves the account answers and our identity may read.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) =>
        TableCall.PointReadAsync<TableEntity>(this, Users, "health", "probe", ["PartitionKey"], cancellationToken);
}
