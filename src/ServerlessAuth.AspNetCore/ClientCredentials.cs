using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ServerlessAuth.AspNetCore;

/// <summary>HTTP Basic with the registered client's id and secret (RFC 6749 2.3.1: each form-encoded first).</summary>
internal static class ClientCredentials
{
    public static AuthenticationHeaderValue Header(ServerlessAuthBearerOptions settings) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(settings.ClientId)}:{WebUtility.UrlEncode(settings.ClientSecret)}")));

    /// <summary>What to say about an answer other than 200, without echoing its body.</summary>
    public static string Describe(HttpStatusCode status, string what) => status switch
    {
        HttpStatusCode.Unauthorized => $"the issuer refused the client credentials for {what} (401): check ServerlessAuth:ClientId and ServerlessAuth:ClientSecret",
        _ => $"the issuer answered {(int)status} for {what}",
    };
}
