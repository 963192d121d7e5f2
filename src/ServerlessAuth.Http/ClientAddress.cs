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
            var last = value.Split(',')[^1].Trim();
            if (last.Length is > 0 and <= 64)
            {
                return last;
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
