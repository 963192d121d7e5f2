using System.Security.Cryptography;
using System.Text;

namespace ServerlessAuth.Clients;

/// <summary>
/// Checks a client's id and secret. The secret's SHA-256 is compared in constant time, and an unknown id
/// costs the same hash and comparison (against a hash no secret has), so timing tells nothing.
/// </summary>
public sealed class ClientAuthenticator(IApiClientStore store)
{
    private static readonly byte[] NoClientHash = SHA256.HashData(RandomNumberGenerator.GetBytes(32));

    /// <returns>The client, or null for an unknown id or a wrong secret (the caller cannot tell which).</returns>
    public async Task<ApiClient?> AuthenticateAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        var client = ClientIds.IsValid(clientId) ? await store.FindAsync(clientId, cancellationToken) : null;
        return Matches(client?.SecretHash ?? NoClientHash, secret) && client is not null ? client : null;
    }

    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static bool Matches(byte[] storedHash, string secret) =>
        CryptographicOperations.FixedTimeEquals(storedHash, HashSecret(secret));
}

/// <summary>What a client id may be: short, and only characters that need no escaping anywhere.</summary>
public static class ClientIds
{
    public const int MaxLength = 64;

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string Rule = "A client id is 1 to 64 letters, digits, '-', '_' or '.'.";
}
