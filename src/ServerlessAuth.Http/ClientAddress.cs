using System.Net;
using Microsoft.AspNetCore.Http;

namespace ServerlessAuth.Http;

public static class ClientAddress
{
    /// <summary>
    /// The client's address, or null when it is not known.
    /// With <paramref name="header"/> (a trusted front end appends the address it saw): the header's last entry
    /// (earlier entries are client-supplied), and null when that is missing or not an address. It never falls back
    /// to the connection's address there, which would be the front end's and shared by every client.
    /// Without a header: the connection's remote address. Under the Functions host that is the address the host
    /// saw, which the worker's forwarded-headers middleware takes from the host's X-Forwarded-For (docs/architecture.md).
    /// </summary>
    public static string? Get(HttpContext context, string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return context.Connection.RemoteIpAddress is { } remote ? Normalize(remote) : null;
        }

        var values = context.Request.Headers[header];
        if (values.Count == 0 || values[^1] is not { } value)
        {
            return null;
        }

        // Front ends may append "address:port" or "[v6]:port"; the port changes per connection, the address does not.
        return IPEndPoint.TryParse(value.Split(',')[^1].Trim(), out var endpoint) ? Normalize(endpoint.Address) : null;
    }

    // One client, one key: an IPv4 client seen through a dual-stack socket is the same client.
    private static string Normalize(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
