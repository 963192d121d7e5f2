using System.Diagnostics.CodeAnalysis;

namespace ServerlessAuth.Users;

/// <summary>The one place that says what a password may be.</summary>
public static class Passwords
{
    public const int MinLength = 8;

    /// <summary>Long enough for any passphrase; bounded so a request cannot buy unbounded hashing work.</summary>
    public const int MaxLength = 256;

    /// <summary>Shape check at login: refuses only what cannot be a password at all.</summary>
    public static bool IsAcceptableInput([NotNullWhen(true)] string? password, [NotNullWhen(false)] out string? error)
    {
        if (string.IsNullOrEmpty(password))
        {
            error = "A password is required.";
            return false;
        }

        if (password.Length > MaxLength)
        {
            error = $"A password has at most {MaxLength} characters.";
            return false;
        }

        if (password.Any(char.IsControl))
        {
            error = "A password may not contain control characters.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Policy for a new password (admin CLI).</summary>
    public static bool IsAcceptableNew([NotNullWhen(true)] string? password, [NotNullWhen(false)] out string? error)
    {
        if (!IsAcceptableInput(password, out error))
        {
            return false;
        }

        if (password.Length < MinLength)
        {
            error = $"A password has at least {MinLength} characters.";
            return false;
        }

        return true;
    }
}
