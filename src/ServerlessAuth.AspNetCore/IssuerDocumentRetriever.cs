using System.Net;
using Microsoft.IdentityModel.Protocols;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// Fetches the discovery document and the JWKS with the library's HTTP client, refusing non-HTTPS
/// addresses when HTTPS is required and saying plainly what went wrong (IdentityModel's own retriever
/// hides the status behind its PII redaction).
/// </summary>
internal sealed class IssuerDocumentRetriever(HttpClient client, bool requireHttps) : IDocumentRetriever
{
    private const int MaxDocumentBytes = 256 * 1024;

    public async Task<string> GetDocumentAsync(string address, CancellationToken cancel)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (requireHttps && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new IssuerDocumentException($"'{address}' is not an https URL");
        }

        using var response = await client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new IssuerDocumentException($"GET {uri} answered {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new IssuerDocumentException($"GET {uri} answered more than {MaxDocumentBytes / 1024} KiB");
        }

        var body = await response.Content.ReadAsStringAsync(cancel);
        return body.Length <= MaxDocumentBytes ? body : throw new IssuerDocumentException($"GET {uri} answered more than {MaxDocumentBytes / 1024} KiB");
    }
}
