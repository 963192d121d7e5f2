using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Users;

public sealed class UsernamesTests
{
    private static string Normalize(string input)
    {
        Assert.True(Usernames.TryNormalize(input, out var normalized, out var error), error);
        return normalized;
    }

    private static string Refusal(string? input)
    {
        Assert.False(Usernames.TryNormalize(input, out var normalized, out var error));
        Assert.Null(normalized);
        Assert.False(string.IsNullOrWhiteSpace(error));
        return error;
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("ALICE")]
    [InlineData("Alice")]
    [InlineData("\uFF21lice")]                     // FULLWIDTH LATIN CAPITAL LETTER A
    [InlineData("\uFF41\uFF4C\uFF49\uFF43\uFF45")] // fullwidth "alice"
    [InlineData("  alice  ")]                      // surrounding spaces are trimmed
    public void Spellings_of_alice_normalize_to_alice(string input) => Assert.Equal("alice", Normalize(input));

    [Fact]
    public void Compatibility_characters_fold()
    {
        Assert.Equal("fix", Normalize("\uFB01x"));     // LATIN SMALL LIGATURE FI
        Assert.Equal("kelvin", Normalize("\u212Aelvin")); // KELVIN SIGN
        Assert.Equal("x2", Normalize("x\u00B2"));     // SUPERSCRIPT TWO
    }

    [Fact]
    public void Composed_and_decomposed_accents_are_one_name()
    {
        Assert.Equal(Normalize("jos\u00E9"), Normalize("jose\u0301"));
        Assert.Equal(Normalize("JOS\u00C9"), Normalize("jose\u0301"));
    }

    [Fact]
    public void Distinct_names_stay_distinct()
    {
        Assert.NotEqual(Normalize("alice"), Normalize("alice2"));
        Assert.NotEqual(Normalize("bob"), Normalize("b.ob"));
    }

    [Theory]
    [InlineData("ali\u0000ce")] // NUL
    [InlineData("ali\tce")]     // TAB
    [InlineData("ali\nce")]
    [InlineData("ali\u007Fce")] // DEL
    [InlineData("ali\u0085ce")] // NEXT LINE (C1 control)
    public void Control_characters_are_refused(string input) =>
        Assert.Equal("A username may not contain control or invisible characters.", Refusal(input));

    [Fact]
    public void Leading_and_trailing_white_space_is_trimmed_not_refused() => Assert.Equal("alice", Normalize("\talice\r\n"));

    [Theory]
    [InlineData("ali\u200Bce")] // ZERO WIDTH SPACE
    [InlineData("ali\u200Dce")] // ZERO WIDTH JOINER
    [InlineData("\u202Eecila")] // RIGHT-TO-LEFT OVERRIDE
    [InlineData("ali\u00ADce")] // SOFT HYPHEN
    [InlineData("ali\uFEFFce")] // ZERO WIDTH NO-BREAK SPACE
    [InlineData("ali\u2028ce")] // LINE SEPARATOR
    [InlineData("ali\u2029ce")] // PARAGRAPH SEPARATOR
    [InlineData("ali\uE000ce")] // private use
    public void Format_invisible_and_private_characters_are_refused(string input) => Refusal(input);

    // Built at run time and not enumerated at discovery: attribute arguments and serialized theory
    // data travel as UTF-8, which would turn a lone surrogate into U+FFFD.
    public static TheoryData<string> UnpairedSurrogates() => new()
    {
        "ali" + (char)0xD800 + "ce",
        "ali" + (char)0xDC00 + "ce",
        "alice" + (char)0xD83D,
    };

    [Theory]
    [MemberData(nameof(UnpairedSurrogates), DisableDiscoveryEnumeration = true)]
    public void Unpaired_surrogates_are_refused(string input) => Refusal(input);

    [Fact]
    public void Paired_surrogates_are_accepted() => Assert.Equal("al\U0001F600", Normalize("AL\U0001F600"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u3000")] // IDEOGRAPHIC SPACE only
    public void Empty_names_are_refused(string? input) => Refusal(input);

    [Fact]
    public void Longest_name_is_accepted_and_one_more_is_refused()
    {
        Assert.Equal(new string('a', Usernames.MaxLength), Normalize(new string('a', Usernames.MaxLength)));

        Refusal(new string('a', Usernames.MaxLength + 1));
        Refusal(new string('a', 10_000));
    }

    [Fact]
    public void Length_counts_after_normalization()
    {
        // Each ligature becomes two letters: 40 characters in, 80 out.
        Refusal(new string('\uFB01', 40));

        // Fullwidth letters are one character each before and after.
        Assert.Equal(new string('a', Usernames.MaxLength), Normalize(new string('\uFF41', Usernames.MaxLength)));
    }
}
