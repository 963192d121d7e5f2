using Microsoft.AspNetCore.Identity;

namespace ServerlessAuth.Users;

/// <summary>Operator actions on accounts (admin CLI).</summary>
public sealed class UserAdministration(IUserStore users, IPasswordHasher<UserAccount> hasher, TimeProvider time)
{
    /// <exception cref="ArgumentException">The username or password breaks the rules.</exception>
    /// <exception cref="DuplicateUsernameException">The name is taken.</exception>
    public async Task<UserAccount> AddAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (!Usernames.TryNormalize(username, out var normalized, out var nameError))
        {
            throw new ArgumentException(nameError, nameof(username));
        }

        if (!Passwords.IsAcceptableNew(password, out var passwordError))
        {
            throw new ArgumentException(passwordError, nameof(password));
        }

        var user = new UserAccount
        {
            Id = UserAccount.NewId(),
            Username = username.Trim(),
            NormalizedUsername = normalized,
            PasswordHash = "",
            CreatedAt = time.GetUtcNow(),
        };
        user = user with { PasswordHash = hasher.HashPassword(user, password) };
        await users.CreateAsync(user, cancellationToken);
        return user;
    }

    public async Task<UserAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        Usernames.TryNormalize(username, out var normalized, out _)
            ? await users.FindByNormalizedNameAsync(normalized, cancellationToken)
            : null;
}
