using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessAuth.Sessions;

/// <summary>
/// The opaque credential of a session, <c>{userId}.{sessionId}.{secret}</c>: the cookie value, and the
/// refresh token of a non-browser client. The ids locate the session with one point read; the 256-bit
/// secret proves possession and is stored only as its SHA-256. Clients must not parse it.
/// </summary>
public sealed record SessionCookieValue(string UserId, string SessionId, string Secret)
{
    private const int UserIdLength = 32;      // Guid "N"
    private const int SessionIdLength = 22;   // 128 bits, base64url
    private const int SecretLength = 43;      // 256 bits, base64url
    public const int MaxLength = UserIdLength + SessionIdLength + SecretLength + 2;

    public static SessionCookieValue Create(string userId) =>
        new(userId, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)), Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

    public override string ToString() => $"{UserId}.{SessionId}.{Secret}";

    public byte[] SecretHash() => HashSecret(Secret);

    public bool Matches(Session session) =>
        session.UserId == UserId && session.Id == SessionId
        && CryptographicOperations.FixedTimeEquals(SecretHash(), session.SecretHash);

    /// <summary>Whether this is the secret the session's last rotation spent.</summary>
    public bool MatchesPrevious(Session session) =>
        session.UserId == UserId && session.Id == SessionId && session.PreviousSecretHash is { } previous
        && CryptographicOperations.FixedTimeEquals(SecretHash(), previous);

    /// <summary>
    /// The value that replaces this one in a rotation: same session, secret = HMAC-SHA256(<paramref name="chainKey"/>, secret).
    /// The key stays server-side, so only the server can compute the successor; it is the same for every
    /// rotation of a session, so the successor of a secret is always the same.
    /// </summary>
    public SessionCookieValue Successor(byte[] chainKey) =>
        this with { Secret = Base64Url.EncodeToString(HMACSHA256.HashData(chainKey, Encoding.ASCII.GetBytes(Secret))) };

    /// <summary>
    /// How many rotations behind the session's current secret this one is (1: the one the last rotation spent),
    /// proven by walking the chain forward from it with <see cref="Session.ChainKey"/> until a step hashes to the
    /// current secret's hash; null when no step within <paramref name="maxDepth"/> does (a guess, another session's
    /// secret, or older than that). Each step costs one HMAC-SHA256 and one SHA-256.
    /// </summary>
    public int? GenerationsBehind(Session session, int maxDepth)
    {
        if (session.UserId != UserId || session.Id != SessionId || session.ChainKey is not { } key || Secret.Length != SecretLength)
        {
            return null;
        }

        Span<byte> secret = stackalloc byte[SecretLength];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Encoding.ASCII.GetBytes(Secret, secret);

        // One keyed context and one hash context for the whole walk: setting up a key per step costs more than the step.
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var generations = 1; generations <= maxDepth; generations++)
        {
            hmac.AppendData(secret);
            hmac.GetHashAndReset(mac);
            Base64Url.EncodeToUtf8(mac, secret);
            sha256.AppendData(secret);
            sha256.GetHashAndReset(hash);
            if (CryptographicOperations.FixedTimeEquals(hash, session.SecretHash))
            {
                return generations;
            }
        }

        return null;
    }

    /// <summary>Strict parse: anything not of the exact shape is "no session".</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SessionCookieValue? cookie)
    {
        cookie = null;
        if (value is null || value.Length != MaxLength)
        {
            return false;
        }

        var parts = value.Split('.');
        if (parts.Length != 3
            || parts[0].Length != UserIdLength || !parts[0].All(char.IsAsciiHexDigitLower)
            || parts[1].Length != SessionIdLength || !IsBase64Url(parts[1])
            || parts[2].Length != SecretLength || !IsBase64Url(parts[2]))
        {
            return false;
        }

        cookie = new SessionCookieValue(parts[0], parts[1], parts[2]);
        return true;
    }

    /// <summary>Session ids arrive in tokens and admin commands too: same rule everywhere.</summary>
    public static bool IsSessionId(string? value) => value is { Length: SessionIdLength } && IsBase64Url(value);

    public static bool IsUserId(string? value) => value is { Length: UserIdLength } && value.All(char.IsAsciiHexDigitLower);

    private static bool IsBase64Url(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));
}
