using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>The account page over HTTP: device names, the per-row sign-out and its cross-site refusal, the branding.</summary>
public abstract class AccountPageTests(ConfiguredHostFixture fixture)
{
    public const string ProductName = "Contoso <Sign-in>";
    public const string LogoUrl = "https://cdn.contoso.example/logo.svg";

    private AuthApiClient Api => fixture.Api;

    private const string ChromeOnLinux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

    private async Task<HttpResponseMessage> GetAccountAsync(string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/auth/account");
        request.Headers.Add("Cookie", $"{AuthApiClient.CookieName}={cookie}");
        return await Api.Client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostEndSessionAsync(string cookie, string sessionId, string? origin = null, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/auth/account")
        {
            Content = new FormUrlEncodedContent([new("session", sessionId)]),
        };
        request.Headers.Add("Cookie", $"{AuthApiClient.CookieName}={cookie}");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return await Api.Client.SendAsync(request);
    }

    [Fact]
    public async Task The_page_names_devices_carries_the_branding_and_a_sign_out_per_row()
    {
        var user = await fixture.Host.AddUserAsync();
        var phone = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password, ChromeOnLinux);
        var laptop = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);

        using var response = await GetAccountAsync(laptop.CookieValue);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Chrome on Linux", html, StringComparison.Ordinal);
        Assert.DoesNotContain("AppleWebKit", html, StringComparison.Ordinal);
        Assert.Contains($"name=\"session\" value=\"{phone.SessionId}\"", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(ProductName), html, StringComparison.Ordinal);
        Assert.DoesNotContain(ProductName, html, StringComparison.Ordinal);
        Assert.Contains($"<img src=\"{LogoUrl}\"", html, StringComparison.Ordinal);
        Assert.Contains("img-src https://cdn.contoso.example;", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rows_sign_out_ends_that_session_only_and_confirms_it()
    {
        var user = await fixture.Host.AddUserAsync();
        var other = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var here = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);

        using (var response = await PostEndSessionAsync(here.CookieValue, other.SessionId, fetchSite: "same-origin"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/api/auth/account?notice=session_ended", response.Headers.Location?.OriginalString);
        }

        await Infrastructure.Admin.AdminHttp.AssertCookieRefusedAsync(Api, other.CookieValue);
        await Api.GetTokenAsync(here.CookieValue);
        using var page = await Api.Client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/auth/account?notice=session_ended")
        {
            Headers = { { "Cookie", $"{AuthApiClient.CookieName}={here.CookieValue}" } },
        });
        Assert.Contains("That device has been signed out.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example", null)]
    [InlineData(null, "cross-site")]
    public async Task A_cross_site_row_sign_out_is_refused_and_ends_nothing(string? origin, string? fetchSite)
    {
        var user = await fixture.Host.AddUserAsync();
        var other = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);
        var here = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, user.Username, TestSettings.Password);

        using var response = await PostEndSessionAsync(here.CookieValue, other.SessionId, origin, fetchSite);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await Api.GetTokenAsync(other.CookieValue);
    }

    [Fact]
    public async Task Another_users_session_cannot_be_ended_from_the_page()
    {
        var victim = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, (await fixture.Host.AddUserAsync()).Username, TestSettings.Password);
        var attacker = await Infrastructure.Admin.AdminHttp.LoginAsync(Api, (await fixture.Host.AddUserAsync()).Username, TestSettings.Password);

        using (var response = await PostEndSessionAsync(attacker.CookieValue, victim.SessionId))
        {
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/api/auth/account", response.Headers.Location?.OriginalString);
        }

        await Api.GetTokenAsync(victim.CookieValue);

        using var malformed = await PostEndSessionAsync(attacker.CookieValue, "not a session id");
        await Responses.AssertProblemAsync(malformed, HttpStatusCode.BadRequest, "invalid_request");
    }
}

/// <summary>A host with the pages' branding set.</summary>
public sealed class BrandedHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Pages:ProductName"] = AccountPageTests.ProductName,
        ["Pages:LogoUrl"] = AccountPageTests.LogoUrl,
    };
}

[Collection(AzuriteCollection.Name)]
public sealed class AccountPageTestsOnAspNetCore(BrandedHostFixture fixture) : AccountPageTests(fixture), IClassFixture<BrandedHostFixture>;
