using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessAuth.Lockout;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Admin;

/// <summary>
/// Writes rows with chosen (past) instants through a host's own stores, and reads what is left
/// through <see cref="AuthTables"/>, for purge tests that cannot move the host's clock.
/// </summary>
public sealed class StoredRows(AuthHost host)
{
    public AuthOptions Options => host.Service<IOptions<AuthOptions>>().Value;

    public AuthTables Tables => host.Service<AuthTables>();

    /// <summary>Denylists a (made-up) token id expiring at <paramref name="expiresAt"/>; returns the id.</summary>
    public async Task<string> RevokeAsync(DateTimeOffset expiresAt)
    {
        var tokenId = Guid.NewGuid().ToString("N");
        await host.Service<IRevokedTokenStore>().RevokeAsync(tokenId, expiresAt, CancellationToken.None);
        return tokenId;
    }

    public Task<bool> IsRevokedAsync(string tokenId, DateTimeOffset expiresAt) =>
        host.Service<IRevokedTokenStore>().IsRevokedAsync(tokenId, expiresAt, CancellationToken.None);

    /// <summary>Stores a session of <paramref name="userId"/> (a new id when null) with the given instants.</summary>
    public async Task<Session> AddSessionAsync(DateTimeOffset createdAt, DateTimeOffset lastSeenAt, DateTimeOffset expiresAt, string? userId = null)
    {
        var cookie = SessionCookieValue.Create(userId ?? UserAccount.NewId());
        var session = new Session
        {
            UserId = cookie.UserId,
            Id = cookie.SessionId,
            SecretHash = cookie.SecretHash(),
            CreatedAt = createdAt,
            LastSeenAt = lastSeenAt,
            ExpiresAt = expiresAt,
            UserAgent = "purge-test",
        };
        await host.Service<ISessionStore>().CreateAsync(session, CancellationToken.None);
        return session;
    }

    public async Task<bool> SessionExistsAsync(Session session) =>
        await host.Service<ISessionStore>().FindAsync(session.UserId, session.Id, CancellationToken.None) is not null;

    /// <summary>Stores the failed-login state of a fresh (normalized) username; returns the name.</summary>
    public async Task<string> AddLoginFailuresAsync(int count, DateTimeOffset lastFailureAt, DateTimeOffset? lockedUntil = null, string? normalizedUsername = null)
    {
        var name = normalizedUsername ?? AuthHost.NewUsername();
        await host.Service<ILoginFailureStore>().UpdateAsync(name, _ => new LoginFailures(count, lockedUntil, lastFailureAt), CancellationToken.None);
        return name;
    }

    public Task<LoginFailures?> LoginFailuresAsync(string normalizedUsername) =>
        host.Service<ILoginFailureStore>().GetAsync(normalizedUsername, CancellationToken.None);

    /// <summary>The keys of every row of a table (the host's prefix), grouped by partition.</summary>
    public static async Task<Dictionary<string, List<string>>> KeysAsync(TableClient table)
    {
        var keys = new Dictionary<string, List<string>>();
        await foreach (var entity in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            if (!keys.TryGetValue(entity.PartitionKey, out var rows))
            {
                keys[entity.PartitionKey] = rows = [];
            }

            rows.Add(entity.RowKey);
        }

        return keys;
    }

    public static async Task<int> CountAsync(TableClient table) => (await KeysAsync(table)).Sum(p => p.Value.Count);
}
