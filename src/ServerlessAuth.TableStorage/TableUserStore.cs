using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Users;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// Users by id (<c>Users</c>: PK = user id) plus a name index (<c>UserNames</c>: PK = encoded
/// normalized name). Login reads the index then the user; token checks read only by id.
/// </summary>
public sealed class TableUserStore(AuthTables tables) : IUserStore
{
    public async Task<UserAccount?> FindByIdAsync(string userId, CancellationToken cancellationToken)
    {
        var row = await TableCall.PointReadAsync<UserEntity>(tables, tables.Users, userId, TableKeys.UserRow, null, cancellationToken);
        return row?.ToModel();
    }

    public async Task<UserAccount?> FindByNormalizedNameAsync(string normalizedUsername, CancellationToken cancellationToken)
    {
        var index = await TableCall.PointReadAsync<UserNameEntity>(tables, tables.UserNames, TableKeys.ForUsername(normalizedUsername), "", null, cancellationToken);
        return index is null ? null : await FindByIdAsync(index.UserId, cancellationToken);
    }

    public async Task CreateAsync(UserAccount user, CancellationToken cancellationToken)
    {
        // The user row first: an index row never points at nothing. If the name is taken, the
        // orphan user row is removed again.
        await TableCall.RunAsync(tables, ct => tables.Users.AddEntityAsync(UserEntity.FromModel(user), ct), cancellationToken);
        try
        {
            await TableCall.RunAsync(tables,
                ct => tables.UserNames.AddEntityAsync(new UserNameEntity { PartitionKey = TableKeys.ForUsername(user.NormalizedUsername), RowKey = "", UserId = user.Id }, ct),
                cancellationToken);
        }
        catch (Storage.StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409 })
        {
            await TableCall.RunAsync(tables, ct => tables.Users.DeleteEntityAsync(user.Id, TableKeys.UserRow, ETag.All, ct), cancellationToken);
            throw new DuplicateUsernameException(user.Username);
        }
    }

    public Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken) =>
        MergeAsync(userId, new TableEntity { [nameof(UserEntity.PasswordHash)] = passwordHash }, cancellationToken);

    public async Task<bool> SetDisabledAsync(string userId, bool disabled, CancellationToken cancellationToken)
    {
        try
        {
            await MergeAsync(userId, new TableEntity { [nameof(UserEntity.Disabled)] = disabled }, cancellationToken);
            return true;
        }
        catch (Storage.StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 404 })
        {
            return false;
        }
    }

    public Task SetTokensValidAfterAsync(string userId, DateTimeOffset instant, CancellationToken cancellationToken) =>
        MergeAsync(userId, new TableEntity { [nameof(UserEntity.TokensValidAfter)] = instant }, cancellationToken);

    /// <summary>Merge of the named properties only, so concurrent changes to other fields are kept.</summary>
    private Task MergeAsync(string userId, TableEntity changes, CancellationToken cancellationToken)
    {
        changes.PartitionKey = userId;
        changes.RowKey = TableKeys.UserRow;
        return TableCall.RunAsync(tables, ct => tables.Users.UpdateEntityAsync(changes, ETag.All, TableUpdateMode.Merge, ct), cancellationToken);
    }

    private sealed class UserEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string Username { get; set; } = "";
        public string NormalizedUsername { get; set; } = "";
        public string PasswordHash { get; set; } = "";
        public bool Disabled { get; set; }
        public DateTimeOffset? TokensValidAfter { get; set; }
        public DateTimeOffset CreatedAt { get; set; }

        public UserAccount ToModel() => new()
        {
            Id = PartitionKey,
            Username = Username,
            NormalizedUsername = NormalizedUsername,
            PasswordHash = PasswordHash,
            Disabled = Disabled,
            TokensValidAfter = TokensValidAfter,
            CreatedAt = CreatedAt,
        };

        public static UserEntity FromModel(UserAccount user) => new()
        {
            PartitionKey = user.Id,
            RowKey = TableKeys.UserRow,
            Username = user.Username,
            NormalizedUsername = user.NormalizedUsername,
            PasswordHash = user.PasswordHash,
            Disabled = user.Disabled,
            TokensValidAfter = user.TokensValidAfter,
            CreatedAt = user.CreatedAt,
        };
    }

    private sealed class UserNameEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = "";
        public string RowKey { get; set; } = "";
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public string UserId { get; set; } = "";
    }
}
