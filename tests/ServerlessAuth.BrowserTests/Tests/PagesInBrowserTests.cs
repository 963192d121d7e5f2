using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServerlessAuth.BrowserTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Users;

namespace ServerlessAuth.BrowserTests.Tests;

/// <summary>The sign-in and account pages in a real browser: cookie rules, redirects, sign-out, cross-site posts.</summary>
public sealed class PagesInBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string SignInPath = "/api/auth/signin";
    private const string AccountPath = "/api/auth/account";

    private AuthHost Host => fixture.Host;

    [Fact]
    public async Task Signing_in_through_the_form_lands_on_returnUrl_with_a_host_only_cookie_scripts_cannot_read_and_a_working_token()
    {
        var user = await Host.AddUserAsync();
        await using var device = await fixture.NewDeviceAsync();
        var page = await device.NewPageAsync();

        var signIn = await page.GotoAsync($"{SignInPath}?returnUrl={Uri.EscapeDataString(AccountPath)}");
        Assert.NotNull(signIn);
        Assert.Equal(200, signIn.Status);
        await AssertPageHeadersAsync(signIn);
        await Screenshot(page, "signin");

        // A wrong password comes back to the form with the error in words.
        await SubmitSignInAsync(page, user.Username, TestSettings.Password + "!");
        await LandsOnAsync(page, SignInPath);
        Assert.Contains("error=invalid_credentials", page.Url);
        Assert.Equal("The username or password is incorrect.", (await page.Locator(".error").TextContentAsync())?.Trim());
        await Screenshot(page, "signin-error");

        await SubmitSignInAsync(page, user.Username, TestSettings.Password);
        await LandsOnAsync(page, AccountPath);
        Assert.Equal(user.Username, await page.Locator("#username").TextContentAsync());

        var cookie = Assert.Single(await device.CookiesAsync(), c => c.Name == AuthApiClient.CookieName);
        Assert.StartsWith("__Host-", cookie.Name);
        Assert.True(cookie.Secure);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/", cookie.Path);
        Assert.DoesNotContain(AuthApiClient.CookieName, await page.EvaluateAsync<string>("document.cookie"));

        var accessToken = await TokenOfAsync(device);
        using var me = await Host.Api.MeAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(user.Id, (await Host.Api.GetMeAsync(accessToken)).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task A_second_device_appears_on_the_account_page_and_signing_out_other_devices_ends_it_but_keeps_this_one()
    {
        var user = await Host.AddUserAsync();
        await using var first = await fixture.NewDeviceAsync();
        await using var second = await fixture.NewDeviceAsync();
        var firstPage = await SignInAsync(first, user);
        var secondPage = await SignInAsync(second, user);

        var account = await firstPage.GotoAsync(AccountPath);
        Assert.NotNull(account);
        await AssertPageHeadersAsync(account);
        Assert.Equal(2, await firstPage.Locator("li.session").CountAsync());
        Assert.Equal(1, await firstPage.Locator("li.session .current").CountAsync());
        await Screenshot(firstPage, "account");

        await firstPage.GetByRole(AriaRole.Button, new() { Name = "Sign out other devices" }).ClickAsync();
        await LandsOnAsync(firstPage, AccountPath);
        Assert.Equal("Your other devices have been signed out.", (await firstPage.Locator(".notice").TextContentAsync())?.Trim());

        await secondPage.GotoAsync(AccountPath);
        Assert.Equal(SignInPath, new Uri(secondPage.Url).AbsolutePath);

        await firstPage.GotoAsync(AccountPath);
        Assert.Equal(AccountPath, new Uri(firstPage.Url).AbsolutePath);
        Assert.Equal(1, await firstPage.Locator("li.session").CountAsync());
    }

    [Fact]
    public async Task Signing_out_everywhere_lands_every_device_on_sign_in_and_refuses_every_earlier_token()
    {
        var user = await Host.AddUserAsync();
        await using var first = await fixture.NewDeviceAsync();
        await using var second = await fixture.NewDeviceAsync();
        var firstPage = await SignInAsync(first, user);
        var secondPage = await SignInAsync(second, user);
        var tokens = new[] { await TokenOfAsync(first), await TokenOfAsync(second) };

        await firstPage.GetByRole(AriaRole.Button, new() { Name = "Sign out everywhere" }).ClickAsync();
        await LandsOnAsync(firstPage, SignInPath);
        Assert.DoesNotContain(await first.CookiesAsync(), c => c.Name == AuthApiClient.CookieName);

        foreach (var page in new[] { firstPage, secondPage })
        {
            await page.GotoAsync(AccountPath);
            Assert.Equal(SignInPath, new Uri(page.Url).AbsolutePath);
        }

        foreach (var token in tokens)
        {
            await Host.Api.AssertRefusedWithinBoundAsync(token);
        }
    }

    [Fact]
    public async Task Signing_out_this_device_lands_on_sign_in_and_keeps_the_other()
    {
        var user = await Host.AddUserAsync();
        await using var first = await fixture.NewDeviceAsync();
        await using var second = await fixture.NewDeviceAsync();
        var firstPage = await SignInAsync(first, user);
        var secondPage = await SignInAsync(second, user);

        await firstPage.GetByRole(AriaRole.Button, new() { Name = "Sign out this device" }).ClickAsync();
        await LandsOnAsync(firstPage, SignInPath);
        await firstPage.GotoAsync(AccountPath);
        Assert.Equal(SignInPath, new Uri(firstPage.Url).AbsolutePath);

        await secondPage.GotoAsync(AccountPath);
        Assert.Equal(AccountPath, new Uri(secondPage.Url).AbsolutePath);
    }

    [Fact]
    public async Task Forms_served_from_another_origin_that_post_to_login_and_logout_are_refused()
    {
        var user = await Host.AddUserAsync();
        await using var device = await fixture.NewDeviceAsync();
        var ownPage = await SignInAsync(device, user);
        var target = Host.Origin;
        var html =
            "<!DOCTYPE html><html><body>"
            + $"<form id=\"login\" method=\"post\" action=\"{target}/api/auth/login\"><input name=\"username\" value=\"{WebUtility.HtmlEncode(user.Username)}\"><input name=\"password\" value=\"{WebUtility.HtmlEncode(TestSettings.Password)}\"><button id=\"login-button\">Log in</button></form>"
            + $"<form id=\"logout\" method=\"post\" action=\"{target}/api/auth/logout\"><input type=\"hidden\" name=\"scope\" value=\"global\"><button id=\"logout-button\">Log out</button></form>"
            + "</body></html>";
        await using var foreign = await BrowserFixture.StartForeignOriginAsync(html);
        var foreignOrigin = foreign.Urls.Single().Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        var page = await device.NewPageAsync();

        foreach (var (button, path) in new[] { ("#login-button", "/api/auth/login"), ("#logout-button", "/api/auth/logout") })
        {
            await page.GotoAsync(foreignOrigin + "/");
            var response = await page.RunAndWaitForResponseAsync(
                () => page.Locator(button).ClickAsync(),
                r => new Uri(r.Url).AbsolutePath == path);
            Assert.Equal(403, response.Status);
        }

        // The refused logout ended nothing: this device is still signed in.
        await ownPage.GotoAsync(AccountPath);
        Assert.Equal(AccountPath, new Uri(ownPage.Url).AbsolutePath);
    }

    [Fact]
    public async Task The_pages_fit_desktop_and_phone_widths_and_a_rows_sign_out_ends_that_device_and_says_so()
    {
        var user = await Host.AddUserAsync();
        await using var first = await fixture.NewDeviceAsync();
        await using var second = await fixture.NewDeviceAsync();
        var firstPage = await SignInAsync(first, user);
        var secondPage = await SignInAsync(second, user);
        await firstPage.GotoAsync(AccountPath);
        Assert.Equal(2, await firstPage.Locator("li.session").CountAsync());
        // Headless Chromium names itself; the page shows the parsed name, not the raw User-Agent.
        Assert.Contains(" on Linux", await firstPage.Locator("li.session .device strong").First.TextContentAsync() ?? "", StringComparison.Ordinal);

        var signInPage = await first.NewPageAsync();
        await signInPage.GotoAsync(SignInPath);
        foreach (var (width, height, name) in new[] { (1280, 800, "desktop"), (390, 844, "mobile") })
        {
            foreach (var (page, what) in new[] { (firstPage, "account"), (signInPage, "signin") })
            {
                await page.SetViewportSizeAsync(width, height);
                await Screenshot(page, $"{what}-{name}");
                var overflow = await page.EvaluateAsync<int>("document.scrollingElement.scrollWidth - window.innerWidth");
                Assert.True(overflow <= 0, $"The {what} page is {overflow} px wider than a {width} px viewport.");
            }
        }

        // The other device's row (not the one marked "This device").
        var otherRow = firstPage.Locator("li.session").Filter(new() { HasNot = firstPage.Locator(".current") });
        await otherRow.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await LandsOnAsync(firstPage, AccountPath);
        Assert.Equal("That device has been signed out.", (await firstPage.Locator(".notice").TextContentAsync())?.Trim());
        Assert.Equal(1, await firstPage.Locator("li.session").CountAsync());
        Assert.Equal(1, await firstPage.Locator("li.session .current").CountAsync());
        await Screenshot(firstPage, "account-row-signed-out-mobile");

        await secondPage.GotoAsync(AccountPath);
        Assert.Equal(SignInPath, new Uri(secondPage.Url).AbsolutePath);

        // This device's own row signs it out, and the sign-in page confirms it.
        await firstPage.Locator("li.session").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await LandsOnAsync(firstPage, SignInPath);
        Assert.Equal("You have signed out.", (await firstPage.Locator(".notice").TextContentAsync())?.Trim());
        await Screenshot(firstPage, "signed-out-mobile");

        // Signing in again without a returnUrl lands on the account page, not on a 404.
        await SubmitSignInAsync(firstPage, user.Username, TestSettings.Password);
        await LandsOnAsync(firstPage, AccountPath);
    }

    private async Task<IPage> SignInAsync(IBrowserContext device, UserAccount user)
    {
        var page = await device.NewPageAsync();
        await page.GotoAsync($"{SignInPath}?returnUrl={Uri.EscapeDataString(AccountPath)}");
        await SubmitSignInAsync(page, user.Username, TestSettings.Password);
        await LandsOnAsync(page, AccountPath);
        return page;
    }

    /// <summary>Waits (bounded) until the page shows the given path, whether or not its navigation already ended.</summary>
    private static Task LandsOnAsync(IPage page, string path) =>
        Assertions.Expect(page).ToHaveURLAsync(
            new Regex("^https://[^/]+" + Regex.Escape(path) + @"(\?.*)?$"),
            new PageAssertionsToHaveURLOptions { Timeout = BrowserFixture.StepTimeoutMs });

    private static async Task SubmitSignInAsync(IPage page, string username, string password)
    {
        await page.Locator("#username").FillAsync(username);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>An access token for the context's session cookie, fetched with the context's own cookie jar.</summary>
    private async Task<string> TokenOfAsync(IBrowserContext device)
    {
        var response = await device.APIRequest.PostAsync($"{Host.Origin}/api/auth/token");
        Assert.Equal(200, response.Status);
        var body = await response.JsonAsync();
        return body?.GetProperty("access_token").GetString() ?? throw new InvalidOperationException("No access_token.");
    }

    private static async Task AssertPageHeadersAsync(IResponse response)
    {
        var headers = await response.AllHeadersAsync();
        Assert.Equal("no-store", headers["cache-control"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        var csp = headers["content-security-policy"];
        Assert.StartsWith("default-src 'none';", csp);
        Assert.Contains("form-action 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("script-src", csp);
    }

    private static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"), FullPage = true });
}
