using System.Net;
using Microsoft.AspNetCore.Http;

namespace ServerlessAuth.Http;

public static class ClientAddress
{
    /// <summary>
    /// The client's address: the last entry of the configured header (the one the trusted front end
    /// appended; earlier entries are client-supplied), else the connection's remote address.
    /// </summary>
    public static string Get(HttpContext context, string? header)
    {
        if (!string.IsNullOrEmpty(header) && context.Request.Headers[header].LastOrDefault() is { Length: > 0 } value)
        {
            // Front ends may append "address:port"; the port changes per connection, the address does not.
            var last = value.Split(',')[^1].Trim();
            if (IPAddress.TryParse(last, out var address) || IPEndPoint.TryParse(last, out var endpoint) && (address = endpoint.Address) is not null)
            {
                return address.ToString();
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
