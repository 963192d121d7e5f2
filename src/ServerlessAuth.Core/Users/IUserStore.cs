namespace ServerlessAuth.Users;

public interface IUserStore
{
    Task<UserAccount?> FindByIdAsync(string userId, CancellationToken cancellationToken);

    Task<UserAccount?> FindByNormalizedNameAsync(string normalizedUsername, CancellationToken cancellationToken);

    /// <exception cref="DuplicateUsernameException">The normalized name is taken.</exception>
    Task CreateAsync(UserAccount user, CancellationToken cancellationToken);

    Task UpdatePasswordHashAsync(string userId, string passwordHash, CancellationToken cancellationToken);

    /// <returns>false when no such user exists.</returns>
    Task<bool> SetDisabledAsync(string userId, bool disabled, CancellationToken cancellationToken);

    Task SetTokensValidAfterAsync(string userId, DateTimeOffset instant, CancellationToken cancellationToken);
}

public sealed class DuplicateUsernameException(string username)
    : Exception($"The username '{username}' is already taken.");
