using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

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
    /// The value that replaces this one in a rotation: same session, secret = HMAC-SHA256(<paramref name="rotationKey"/>, secret).
    /// The key is random per rotation and stays server-side, so only the server can compute the successor.
    /// </summary>
    public SessionCookieValue Successor(byte[] rotationKey) =>
        this with { Secret = Base64Url.EncodeToString(HMACSHA256.HashData(rotationKey, System.Text.Encoding.ASCII.GetBytes(Secret))) };

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

    private static byte[] HashSecret(string secret) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret));
}
