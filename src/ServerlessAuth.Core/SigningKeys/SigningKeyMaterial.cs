using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace ServerlessAuth.SigningKeys;

/// <summary>The one place that says what a secret value must be to sign tokens.</summary>
public static class SigningKeyMaterial
{
    /// <summary>HS256 wants a key at least as long as its hash (RFC 7518 3.2).</summary>
    public const int MinBytes = 32;

    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinBytes));

    public static bool TryDecode(string? value, [NotNullWhen(true)] out byte[]? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            error = "the value is empty";
            return false;
        }

        try
        {
            key = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            error = "the value is not base64";
            return false;
        }

        if (key.Length < MinBytes)
        {
            error = $"the value decodes to {key.Length} bytes; at least {MinBytes} are required";
            key = null;
            return false;
        }

        error = null;
        return true;
    }
}
