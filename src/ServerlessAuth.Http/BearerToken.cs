using Microsoft.AspNetCore.Http;

namespace ServerlessAuth.Http;

public static class BearerToken
{
    /// <summary>The token of an <c>Authorization: Bearer</c> header (scheme case-insensitive), else null.</summary>
    public static string? Read(HttpRequest request)
    {
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } value)
        {
            return null;
        }

        const string scheme = "Bearer ";
        return value.Length > scheme.Length && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            ? value[scheme.Length..].Trim()
            : null;
    }
}
