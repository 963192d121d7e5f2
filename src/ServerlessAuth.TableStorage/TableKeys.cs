using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// The one place that turns values into table keys. Text a user typed is base64url-encoded, so no
/// character that Table Storage forbids in keys (/ \ # ? controls) can reach one, and none is refused.
/// </summary>
internal static class TableKeys
{
    public const string UserRow = "account";

    public static string ForUsername(string normalizedUsername) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(normalizedUsername));

    /// <summary>Denylist partition: the UTC hour in which the token expires, so whole hours are purged at once.</summary>
    public static string ExpiryBucket(DateTimeOffset expiresAt) =>
        expiresAt.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
}
