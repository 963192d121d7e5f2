using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace ServerlessAuth.Users;

/// <param name="User">The authenticated account, or null.</param>
/// <param name="AccountId">The id of the account the name belongs to, whether or not the check passed.</param>
public sealed record PasswordCheck(UserAccount? User, string? AccountId);

/// <summary>
/// Checks a username and password. Unknown, disabled and wrong-password cases return the same
/// null after the same hashing work, so neither the answer nor its timing tells which it was.
/// </summary>
public sealed class PasswordAuthenticator
{
    private static readonly UserAccount NobodyUser = new()
    {
        Id = "", Username = "", NormalizedUsername = "", PasswordHash = "",
    };

    private readonly IUserStore _users;
    private readonly IPasswordHasher<UserAccount> _hasher;
    private readonly Lazy<string> _decoyHash;

    public PasswordAuthenticator(IUserStore users, IPasswordHasher<UserAccount> hasher)
    {
        _users = users;
        _hasher = hasher;
        // Hashed with the current parameters, so verifying against it costs what a real check costs.
        _decoyHash = new Lazy<string>(() => hasher.HashPassword(NobodyUser, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    }

    public async Task<UserAccount?> AuthenticateAsync(string normalizedUsername, string password, CancellationToken cancellationToken) =>
        (await CheckAsync(normalizedUsername, password, cancellationToken)).User;

    /// <summary>
    /// As <see cref="AuthenticateAsync"/>, and also the id of the account the name belongs to when the
    /// check fails (for the audit record; never shown to the caller).
    /// </summary>
    public async Task<PasswordCheck> CheckAsync(string normalizedUsername, string password, CancellationToken cancellationToken)
    {
        var user = await _users.FindByNormalizedNameAsync(normalizedUsername, cancellationToken);
        var result = _hasher.VerifyHashedPassword(user ?? NobodyUser, user?.PasswordHash ?? _decoyHash.Value, password);

        if (user is null || user.Disabled || result == PasswordVerificationResult.Failed)
        {
            return new PasswordCheck(null, user?.Id);
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = _hasher.HashPassword(user, password);
            await _users.UpdatePasswordHashAsync(user.Id, rehashed, cancellationToken);
            user = user with { PasswordHash = rehashed };
        }

        return new PasswordCheck(user, user.Id);
    }

    /// <summary>Warms the decoy hash so the first unknown-user login is not faster than the rest.</summary>
    public void Warm() => _ = _decoyHash.Value;
}
