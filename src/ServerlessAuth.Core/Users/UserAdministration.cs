using Microsoft.AspNetCore.Identity;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Users;

/// <summary>Operator actions on accounts (admin CLI).</summary>
public sealed class UserAdministration(IUserStore users, IPasswordHasher<UserAccount> hasher, SessionService sessions, TimeProvider time)
{
    /// <exception cref="ArgumentException">The username or password breaks the rules.</exception>
    /// <exception cref="DuplicateUsernameException">The name is taken.</exception>
    public async Task<UserAccount> AddAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (!Usernames.TryNormalize(username, out var normalized, out var nameError))
        {
            throw new ArgumentException(nameError);
        }

        if (!Passwords.IsAcceptableNew(password, out var passwordError))
        {
            throw new ArgumentException(passwordError);
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

    /// <summary>
    /// Disables the account and ends its sessions and tokens, so that enabling it later does not bring
    /// them back: the user logs in afresh.
    /// </summary>
    /// <returns>How many sessions were ended.</returns>
    public async Task<int> DisableAsync(UserAccount user, CancellationToken cancellationToken)
    {
        await users.SetDisabledAsync(user.Id, true, cancellationToken);
        return await sessions.EndEverythingOfUserAsync(user.Id, cancellationToken);
    }

    public Task EnableAsync(UserAccount user, CancellationToken cancellationToken) =>
        users.SetDisabledAsync(user.Id, false, cancellationToken);

    public async Task<UserAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        Usernames.TryNormalize(username, out var normalized, out _)
            ? await users.FindByNormalizedNameAsync(normalized, cancellationToken)
            : null;
}
