using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace ServerlessAuth.Users;

/// <param name="User">The authenticated account, or null.</param>
/// <param name="AccountId">The id of the account the name belongs to, whether or not the check passed.</param>
public sealed record PasswordCheck(UserAccount? User, string? AccountId);

/// <summary>
/// Checks a username and password. Unknown, disabled and wrong-password cases return the same
/// null after the same hashing work, so neither the answer nor its timing tells which it was. Every hash
/// goes through the <see cref="PasswordHashGate"/>; the storage reads and writes around it do not.
/// </summary>
public sealed class PasswordAuthenticator
{
    private static readonly UserAccount NobodyUser = new()
    {
        Id = "", Username = "", NormalizedUsername = "", PasswordHash = "",
    };

    private readonly IUserStore _users;
    private readonly IPasswordHasher<UserAccount> _hasher;
    private readonly PasswordHashGate _gate;
    private readonly Lazy<string> _decoyHash;

    public PasswordAuthenticator(IUserStore users, IPasswordHasher<UserAccount> hasher, PasswordHashGate gate)
    {
        _users = users;
        _hasher = hasher;
        _gate = gate;
        // Hashed with the current parameters, so verifying against it costs what a real check costs.
        _decoyHash = new Lazy<string>(() => hasher.HashPassword(NobodyUser, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    }

    public async Task<UserAccount?> AuthenticateAsync(string normalizedUsername, string password, CancellationToken cancellationToken) =>
        (await CheckAsync(normalizedUsername, password, cancellationToken)).User;

    /// <summary>
    /// As <see cref="AuthenticateAsync"/>, and also the id of the account the name belongs to when the
    /// check fails (for the audit record; never shown to the caller).
    /// </summary>
    /// <exception cref="PasswordHashingBusyException">No hashing permit within the queue timeout.</exception>
    public async Task<PasswordCheck> CheckAsync(string normalizedUsername, string password, CancellationToken cancellationToken)
    {
        var user = await _users.FindByNormalizedNameAsync(normalizedUsername, cancellationToken);
        var result = await _gate.RunAsync(
            () => _hasher.VerifyHashedPassword(user ?? NobodyUser, user?.PasswordHash ?? _decoyHash.Value, password), cancellationToken);

        if (user is null || user.Disabled || result == PasswordVerificationResult.Failed)
        {
            return new PasswordCheck(null, user?.Id);
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var current = user;
            var rehashed = await _gate.RunAsync(() => _hasher.HashPassword(current, password), cancellationToken);
            await _users.UpdatePasswordHashAsync(user.Id, rehashed, cancellationToken);
            user = user with { PasswordHash = rehashed };
        }

        return new PasswordCheck(user, user.Id);
    }

    /// <summary>
    /// Makes the decoy hash (a hash of its own, through the gate), so the first unknown-user login costs one
    /// verification like every other rather than a hash and a verification. Serving hosts call it at start-up.
    /// </summary>
    public Task WarmAsync(CancellationToken cancellationToken) => _gate.RunAsync(() => _decoyHash.Value, cancellationToken);

    /// <summary>Whether the decoy hash has been made.</summary>
    public bool IsWarm => _decoyHash.IsValueCreated;
}
