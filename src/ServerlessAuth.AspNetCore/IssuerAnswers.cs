using System.Net;
using System.Net.Http.Headers;
using ServerlessAuth.Clients;

namespace ServerlessAuth.AspNetCore;

/// <summary>What the library sends to and says about the issuer's client-authenticated endpoints.</summary>
internal static class IssuerAnswers
{
    /// <summary>HTTP Basic with the registered client's id and secret, encoded as the issuer parses them.</summary>
    public static AuthenticationHeaderValue Credentials(ServerlessAuthBearerOptions settings) =>
        AuthenticationHeaderValue.Parse(ClientCredentials.FormatBasic(settings.ClientId, settings.ClientSecret));

    /// <summary>What to say about an answer other than 200, without echoing its body.</summary>
    public static string Describe(HttpStatusCode status, string what) => status switch
    {
        HttpStatusCode.Unauthorized => $"the issuer refused the client credentials for {what} (401): check ServerlessAuth:ClientId and ServerlessAuth:ClientSecret",
        _ => $"the issuer answered {(int)status} for {what}",
    };
}
