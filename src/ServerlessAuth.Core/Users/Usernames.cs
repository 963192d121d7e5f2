using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ServerlessAuth.Users;

/// <summary>The one place that says what a valid username is and how two names compare.</summary>
public static class Usernames
{
    public const int MaxLength = 64;

    /// <summary>
    /// NFKC then lower case, so that look-alike spellings ("Ａlice", "ALICE") name one account.
    /// </summary>
    public static bool TryNormalize(string? input, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "A username is required.";
            return false;
        }

        // Bounds the normalization work; NFKC can expand text, so the exact limit is checked after it.
        if (input.Length > MaxLength * 4)
        {
            error = $"A username has at most {MaxLength} characters.";
            return false;
        }

        if (!IsWellFormedUtf16(input))
        {
            error = "A username must be valid Unicode text.";
            return false;
        }

        string folded;
        try
        {
            // Invariant lower-casing leaves the Turkish dotted capital I (and the dotless i) as they are:
            // both would otherwise spell a second "i" that looks like the first.
            folded = input.Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant()
                .Replace('\u0130', 'i').Replace('\u0131', 'i')
                .Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            // Lone surrogates and other invalid UTF-16 cannot be normalized.
            error = "A username must be valid Unicode text.";
            return false;
        }

        if (folded.Length is 0 or > MaxLength)
        {
            error = $"A username has 1 to {MaxLength} characters.";
            return false;
        }

        foreach (var rune in folded.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator)
            {
                error = "A username may not contain control or invisible characters.";
                return false;
            }
        }

        normalized = folded;
        error = null;
        return true;
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            i += consumed;
        }

        return true;
    }
}
