using System.Text;
using ServerlessAuth.Clients;

namespace ServerlessAuth.UnitTests.Clients;

public sealed class ClientCredentialsTests
{
    private static string Basic(string raw) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw));

    [Theory]
    [InlineData("api:secret", "api", "secret")]
    [InlineData("api:se:cr:et", "api", "se:cr:et")]
    [InlineData("my%3Aapi:p%40ss+word%25", "my:api", "p@ss word%")]
    [InlineData("%C3%A9t%C3%A9:s", "été", "s")]
    public void Parses_form_urlencoded_id_and_secret(string raw, string id, string secret)
    {
        Assert.True(ClientCredentials.TryParseBasic(Basic(raw), out var parsedId, out var parsedSecret));
        Assert.Equal(id, parsedId);
        Assert.Equal(secret, parsedSecret);
    }

    [Fact]
    public void The_scheme_is_case_insensitive_and_formatting_round_trips()
    {
        Assert.True(ClientCredentials.TryParseBasic("bAsIc " + Convert.ToBase64String("a:b"u8.ToArray()), out var id, out _));
        Assert.Equal("a", id);
        var header = ClientCredentials.FormatBasic("id with:colon", "s+e c%r");
        Assert.True(ClientCredentials.TryParseBasic(header, out id, out var secret));
        Assert.Equal(("id with:colon", "s+e c%r"), (id, secret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Basic")]
    [InlineData("Basic ")]
    [InlineData("Bearer YXBpOnNlY3JldA==")]
    [InlineData("BasicYXBpOnNlY3JldA==")]
    [InlineData("Basic not*base64")]
    [InlineData("Basic YXBpOnNlY3JldA")]
    public void Refuses_other_schemes_and_malformed_base64(string? header) =>
        Assert.False(ClientCredentials.TryParseBasic(header, out _, out _));

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":secret")]
    [InlineData("api:")]
    [InlineData("api%2:secret")]
    [InlineData("api:sec%zzret")]
    [InlineData("api:secret%")]
    [InlineData("api:%FF")]
    public void Refuses_a_missing_colon_an_empty_part_or_a_broken_escape(string raw) =>
        Assert.False(ClientCredentials.TryParseBasic(Basic(raw), out _, out _));

    [Fact]
    public void Refuses_bytes_that_are_not_utf8() =>
        Assert.False(ClientCredentials.TryParseBasic("Basic " + Convert.ToBase64String([0x61, 0x3A, 0xC3, 0x28]), out _, out _));
}
