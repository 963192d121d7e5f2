using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using ServerlessAuth.Http;
using ServerlessAuth.Sessions;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Http;

public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/account")]
    [InlineData("/account/settings")]
    [InlineData("/search?q=a%20b&page=2")]
    [InlineData("/page#section")]
    [InlineData("/a/../b")]
    [InlineData("/%2F%2Fevil.example")] // encoded slashes stay a path on this host
    [InlineData("/caf%C3%A9")]
    public void Local_paths_are_accepted(string url) => Assert.True(ReturnUrls.IsLocal(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("account")]                   // relative, not rooted
    [InlineData("https://evil.example/")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("//evil.example")]            // protocol-relative
    [InlineData("//evil.example/account")]
    [InlineData("/\\evil.example")]           // browsers read "/\" as "//"
    [InlineData("\\\\evil.example")]
    [InlineData("/account\\..\\admin")]
    [InlineData("/ /evil.example")]
    [InlineData("/\t/evil.example")]          // browsers drop tabs and newlines: would become "//"
    [InlineData("/\n/evil.example")]
    [InlineData("/\r\nLocation: https://evil.example")]
    [InlineData("/a b")]
    [InlineData("/a\u00A0b")]                 // no-break space
    [InlineData("/a\u3000b")]                 // ideographic space
    [InlineData("/a\u0000b")]
    [InlineData(" /account")]
    public void Anything_that_could_leave_the_site_is_refused(string? url) => Assert.False(ReturnUrls.IsLocal(url));

    [Fact]
    public void Over_long_paths_are_refused()
    {
        Assert.True(ReturnUrls.IsLocal("/" + new string('a', 2047)));
        Assert.False(ReturnUrls.IsLocal("/" + new string('a', 2048)));
    }

    [Fact]
    public void The_default_is_local() => Assert.True(ReturnUrls.IsLocal(ReturnUrls.Default));
}

public sealed class BearerTokenTests
{
    private static HttpRequest Request(params string[] authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization.Length > 0)
        {
            context.Request.Headers.Authorization = new StringValues(authorization);
        }

        return context.Request;
    }

    [Theory]
    [InlineData("Bearer abc.def.ghi")]
    [InlineData("bearer abc.def.ghi")]
    [InlineData("BEARER abc.def.ghi")]
    [InlineData("BeArEr abc.def.ghi")]
    [InlineData("Bearer abc.def.ghi  ")]
    public void The_bearer_token_is_read_whatever_the_scheme_case(string header) =>
        Assert.Equal("abc.def.ghi", BearerToken.Read(Request(header)));

    [Theory]
    [InlineData("Basic YWxpY2U6c2VjcmV0")]
    [InlineData("Digest username=\"alice\"")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearerabc.def.ghi")]
    [InlineData("abc.def.ghi")]
    [InlineData("")]
    public void Other_schemes_and_empty_bearers_are_ignored(string header) => Assert.Null(BearerToken.Read(Request(header)));

    [Fact]
    public void No_header_is_no_token() => Assert.Null(BearerToken.Read(Request()));

    [Fact]
    public void Two_Authorization_headers_are_no_token() =>
        Assert.Null(BearerToken.Read(Request("Bearer first.token.here", "Bearer second.token.here")));

    [Fact]
    public void A_bearer_beside_a_Basic_header_is_no_token() =>
        Assert.Null(BearerToken.Read(Request("Basic YWxpY2U6c2VjcmV0", "Bearer abc.def.ghi")));
}

public sealed class SessionCookieTests
{
    private static readonly string Valid = SessionCookieValue.Create("0123456789abcdef0123456789abcdef").ToString();

    private static HttpRequest Request(params string[] cookieHeaders)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = new StringValues(cookieHeaders);
        return context.Request;
    }

    [Fact]
    public void The_cookie_is_named_with_the_Host_prefix() => Assert.Equal("__Host-session", SessionCookie.Name);

    [Theory]
    [InlineData("__Host-session={0}")]
    [InlineData("theme=dark; __Host-session={0}")]
    [InlineData("__Host-session={0}; theme=dark")]
    [InlineData("a=1;__Host-session={0};b=2")]
    [InlineData(" __Host-session = {0} ")]
    public void One_well_formed_session_cookie_is_read(string header)
    {
        var cookie = SessionCookie.Read(Request(string.Format(System.Globalization.CultureInfo.InvariantCulture, header, Valid)));

        Assert.NotNull(cookie);
        Assert.Equal(Valid, cookie.ToString());
    }

    [Fact]
    public void Two_session_cookies_in_one_header_are_no_session()
    {
        var other = SessionCookieValue.Create(UserAccount.NewId()).ToString();

        Assert.Null(SessionCookie.Read(Request($"__Host-session={Valid}; __Host-session={other}")));
        Assert.Null(SessionCookie.Read(Request($"__Host-session={Valid}; __Host-session={Valid}")));
    }

    [Fact]
    public void Two_session_cookies_in_two_headers_are_no_session() =>
        Assert.Null(SessionCookie.Read(Request($"__Host-session={Valid}", $"__Host-session={Valid}")));

    [Fact]
    public void A_planted_malformed_duplicate_still_makes_it_no_session() =>
        Assert.Null(SessionCookie.Read(Request($"__Host-session=garbage; __Host-session={Valid}")));

    [Theory]
    [InlineData("__Host-session=")]
    [InlineData("__Host-session=garbage")]
    [InlineData("__Host-session=\"{0}\"")]
    [InlineData("__Host-session={0}x")]
    [InlineData("__host-session={0}")] // cookie names are case-sensitive
    [InlineData("session={0}")]
    [InlineData("__Host-sessionX={0}")]
    [InlineData("={0}")]
    [InlineData("")]
    public void Malformed_or_misnamed_cookies_are_no_session(string header) =>
        Assert.Null(SessionCookie.Read(Request(string.Format(System.Globalization.CultureInfo.InvariantCulture, header, Valid))));

    [Fact]
    public void Upper_case_hex_in_the_user_id_is_no_session()
    {
        var upper = Valid[..32].ToUpperInvariant() + Valid[32..];

        Assert.Null(SessionCookie.Read(Request($"__Host-session={upper}")));
    }

    [Fact]
    public void No_cookie_header_is_no_session() => Assert.Null(SessionCookie.Read(new DefaultHttpContext().Request));
}
