using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.TableStorage;

/// <summary><c>Sessions</c>: PK = user id, RK = session id. A user's sessions are one partition, so "all of them" is a partition query, not a scan.</summary>
public sealed class TableSessionStore(AuthTables tables) : ISessionStore
{
    /// <summary>A retried insert that finds a row with this session's secret hash found its own first attempt.</summary>
    public Task CreateAsync(Session session, CancellationToken cancellationToken) =>
        TableCall.InsertAsync(tables, tables.Sessions, SessionEntity.FromModel(session),
            stored => CryptographicOperations.FixedTimeEquals(stored.SecretHash, session.SecretHash), cancellationToken);

    public async Task<Session?> FindAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        var (row, answeredAt) = await TableCall.TimedPointReadAsync<SessionEntity>(tables, tables.Sessions, userId, sessionId, null, cancellationToken);
        return row?.ToModel(answeredAt);
    }

    public async Task TouchAsync(string userId, string sessionId, DateTimeOffset lastSeenAt, CancellationToken cancellationToken)
    {
        var changes = new TableEntity(userId, sessionId) { [nameof(SessionEntity.LastSeenAt)] = lastSeenAt };
        try
        {
            await TableCall.RunAsync(tables, ct => tables.Sessions.UpdateEntityAsync(changes, ETag.All, TableUpdateMode.Merge, ct), cancellationToken);
        }
        catch (Storage.StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404 })
        {
            // Ended meanwhile; never resurrect it.
        }
    }

    public async Task<bool> ReplaceIfUnchangedAsync(Session expected, Session replacement, CancellationToken cancellationToken)
    {
        if (expected.Version is not { } version)
        {
            throw new ArgumentException("Only a session read from the store can be replaced conditionally.", nameof(expected));
        }

        try
        {
            await TableCall.RunAsync(tables,
                ct => tables.Sessions.UpdateEntityAsync(SessionEntity.FromModel(replacement), new ETag(version), TableUpdateMode.Replace, ct), cancellationToken);
            return true;
        }
        catch (Storage.StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 412 or 404 })
        {
            // Changed by another writer, or ended meanwhile.
            return false;
        }
    }

    public async Task<bool> DeleteAsync(string userId, string sessionId, CancellationToken cancellationToken)
    {
        var response = await TableCall.RunAsync(tables,
            ct => tables.Sessions.DeleteEntityAsync(userId, sessionId, ETag.All, ct), cancellationToken);
        return response.Status != 404;
    }

    public Task<IReadOnlyList<Session>> ListAsync(string userId, CancellationToken cancellationToken) =>
        TableCall.RunAsync<IReadOnlyList<Session>>(tables, async ct =>
        {
            var list = new List<Session>();
            await foreach (var entity in tables.Sessions.QueryAsync<SessionEntity>(e => e.PartitionKey == userId, cancellationToken: ct))
            {
                list.Add(entity.ToModel());
            }

            return list;
        }, cancellationToken);

    /// <summary>
    /// Not a partition query: the service filters every row of the table. Each page gets its own
    /// operation timeout, so a large table is read in as many round trips as it needs.
    /// </summary>
    public async Task<IReadOnlyList<Session>> ListCreatedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"CreatedAt ge {since}");
        var list = new List<Session>();
        string? continuation = null;
        do
        {
            var page = await TableCall.RunAsync(tables, async ct =>
            {
                await foreach (var one in tables.Sessions.QueryAsync<SessionEntity>(filter, ScanPageSize, cancellationToken: ct).AsPages(continuation, ScanPageSize))
                {
                    return one;
                }

                return null;
            }, cancellationToken);
            list.AddRange(page?.Values.Select(e => e.ToModel()) ?? []);
            continuation = page?.ContinuationToken;
        }
        while (continuation is not null);

        return list;
    }

    private const int ScanPageSize = 1000;

    internal sealed class SessionEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public byte[] SecretHash { get; set; } = [];
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset LastSeenAt { get; set; }
        public DateTimeOffset ExpiresAt { get; set; }
        public string? UserAgent { get; set; }

        /// <summary><c>cookie</c> (also when absent: rows written before refresh tokens) or <c>refresh_token</c>.</summary>
        public string? Kind { get; set; }
        public byte[]? PreviousSecretHash { get; set; }

        /// <summary>
        /// <see cref="Session.ChainKey"/>. The column keeps the name from when each rotation drew a new key: such a
        /// row's key links its last two secrets, and it simply stays the key from then on.
        /// </summary>
        public byte[]? RotationKey { get; set; }
        public DateTimeOffset? RotatedAt { get; set; }

        /// <param name="answeredAt">When the read was answered, by the storage service's clock (whole seconds), if known.</param>
        public Session ToModel(DateTimeOffset? answeredAt = null) => new()
        {
            UserId = PartitionKey,
            Id = RowKey,
            SecretHash = SecretHash,
            CreatedAt = CreatedAt,
            LastSeenAt = LastSeenAt,
            ExpiresAt = ExpiresAt,
            UserAgent = UserAgent,
            Kind = SessionKindNames.Parse(Kind),
            PreviousSecretHash = PreviousSecretHash,
            ChainKey = RotationKey,
            RotatedAt = RotatedAt,
            SinceLastWrite = answeredAt is { } at && Timestamp is { } written ? TimeSpan.FromTicks(Math.Max(0, (at - written).Ticks)) : null,
            Version = ETag.ToString(),
        };

        public static SessionEntity FromModel(Session session) => new()
        {
            PartitionKey = session.UserId,
            RowKey = session.Id,
            SecretHash = session.SecretHash,
            CreatedAt = session.CreatedAt,
            LastSeenAt = session.LastSeenAt,
            ExpiresAt = session.ExpiresAt,
            UserAgent = session.UserAgent,
            Kind = SessionKindNames.Of(session.Kind),
            PreviousSecretHash = session.PreviousSecretHash,
            RotationKey = session.ChainKey,
            RotatedAt = session.RotatedAt,
        };
    }
}
