using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Http;

namespace ServerlessAuth.UnitTests.Http;

/// <summary>
/// The client address under the Functions host. The host forwards each request to the worker over localhost with
/// YARP's default transform, which sets (replaces) X-Forwarded-For to the one address the host saw, without a port,
/// and X-Forwarded-Proto/-Host. The worker's ASP.NET Core integration then runs ForwardedHeadersMiddleware with
/// ForwardedHeaders.All and otherwise default options. These tests run that middleware on such a request.
/// </summary>
public sealed class ClientAddressUnderTheFunctionsHostTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    public async Task The_address_the_host_forwarded_becomes_the_connection_address(string forwarded, string expected)
    {
        var context = await AsTheWorkerSeesIt(forwarded);

        Assert.Equal(expected, ClientAddress.Get(context, header: null));
        Assert.Equal("https", context.Request.Scheme);
    }

    [Fact]
    public async Task The_worker_consumes_X_Forwarded_For_so_reading_the_header_finds_nothing()
    {
        var context = await AsTheWorkerSeesIt("203.0.113.7");

        Assert.False(context.Request.Headers.ContainsKey("X-Forwarded-For"));
        // The old setting (Auth:ClientAddressHeader = X-Forwarded-For) gives "unknown", never the loopback hop.
        Assert.Null(ClientAddress.Get(context, "X-Forwarded-For"));
        Assert.Equal(IPAddress.Loopback.ToString(), context.Request.Headers["X-Original-For"].ToString().Split(':')[0]);
    }

    [Fact]
    public async Task Only_the_rightmost_entry_counts_so_a_client_supplied_entry_does_not()
    {
        // Were the host ever to append instead of set, the client's own entry would be on the left.
        var context = await AsTheWorkerSeesIt("198.51.100.66, 203.0.113.7");

        Assert.Equal("203.0.113.7", ClientAddress.Get(context, header: null));
    }

    [Fact]
    public async Task A_request_that_did_not_come_through_the_host_keeps_its_connection_address()
    {
        // ForwardedHeadersMiddleware trusts only loopback peers: another peer's header is ignored.
        var context = Request(IPAddress.Parse("192.0.2.10"), ("X-Forwarded-For", "203.0.113.7"));
        await WorkerForwardedHeaders(context);

        Assert.Equal("192.0.2.10", ClientAddress.Get(context, header: null));
    }

    private static async Task<HttpContext> AsTheWorkerSeesIt(string forwardedFor)
    {
        var context = Request(
            IPAddress.Loopback,
            ("X-Forwarded-For", forwardedFor),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "func-api-example.azurewebsites.net"));
        await WorkerForwardedHeaders(context);
        return context;
    }

    private static Task WorkerForwardedHeaders(HttpContext context)
    {
        // As Worker.Extensions.Http.AspNetCore configures it (FunctionsHostBuilderExtensions).
        var options = Options.Create(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.All });
        return new ForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance, options).Invoke(context);
    }

    internal static DefaultHttpContext Request(IPAddress? remote, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = remote;
        context.Connection.RemotePort = 50123;
        context.Request.Scheme = "http";
        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        return context;
    }
}

public sealed class ClientAddressParsingTests
{
    private const string Header = "X-Client-Address";

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7:50123", "203.0.113.7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    [InlineData("[2001:db8::7]:443", "2001:db8::7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("198.51.100.66, 203.0.113.7", "203.0.113.7")]
    [InlineData("198.51.100.66,203.0.113.7:1", "203.0.113.7")]
    public void A_configured_header_gives_its_last_entry(string value, string expected)
    {
        var context = ClientAddressUnderTheFunctionsHostTests.Request(IPAddress.Loopback, (Header, value));

        Assert.Equal(expected, ClientAddress.Get(context, Header));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-address")]
    [InlineData("203.0.113.7, ")]
    [InlineData("203.0.113.7:99999")]
    public void A_configured_header_without_an_address_gives_unknown_not_the_front_ends_address(string value)
    {
        var context = ClientAddressUnderTheFunctionsHostTests.Request(IPAddress.Parse("192.0.2.10"), (Header, value));

        Assert.Null(ClientAddress.Get(context, Header));
    }

    [Fact]
    public void A_configured_header_that_is_missing_gives_unknown()
    {
        var context = ClientAddressUnderTheFunctionsHostTests.Request(IPAddress.Parse("192.0.2.10"));

        Assert.Null(ClientAddress.Get(context, Header));
    }

    [Fact]
    public void Without_a_header_the_connection_address_is_used_and_mapped_IPv4_is_plain_IPv4()
    {
        Assert.Equal("192.0.2.10", ClientAddress.Get(ClientAddressUnderTheFunctionsHostTests.Request(IPAddress.Parse("::ffff:192.0.2.10")), null));
        Assert.Null(ClientAddress.Get(ClientAddressUnderTheFunctionsHostTests.Request(remote: null), null));
    }
}

public sealed class LoginRateLimiterTests
{
    [Fact]
    public void Each_known_address_has_its_own_bucket()
    {
        using var limiter = Limiter(attemptsPerMinute: 1);

        Assert.Null(limiter.TryAcquire(From("203.0.113.7")));
        Assert.NotNull(limiter.TryAcquire(From("203.0.113.7")));
        Assert.Null(limiter.TryAcquire(From("203.0.113.8")));
        Assert.NotNull(limiter.TryAcquire(From("::ffff:203.0.113.7"))); // same client through a dual-stack socket
    }

    [Fact]
    public void Callers_whose_address_is_unknown_do_not_share_one_bucket()
    {
        using var limiter = Limiter(attemptsPerMinute: 1);

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(limiter.TryAcquire(From(null)));
        }
    }

    [Fact]
    public void A_configured_header_that_is_missing_does_not_put_everyone_behind_the_front_end_in_one_bucket()
    {
        using var limiter = Limiter(attemptsPerMinute: 1, header: "X-Forwarded-For");

        Assert.Null(limiter.TryAcquire(From("192.0.2.10")));
        Assert.Null(limiter.TryAcquire(From("192.0.2.10")));
    }

    private static LoginRateLimiter Limiter(int attemptsPerMinute, string? header = null) =>
        new(Options.Create(new AuthOptions { LoginAttemptsPerMinute = attemptsPerMinute, ClientAddressHeader = header }));

    private static DefaultHttpContext From(string? address) =>
        ClientAddressUnderTheFunctionsHostTests.Request(address is null ? null : IPAddress.Parse(address));
}
