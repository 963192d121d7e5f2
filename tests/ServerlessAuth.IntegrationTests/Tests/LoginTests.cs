using System.Net;
using System.Text.RegularExpressions;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="LoginTestsOnAspNetCore"/>, <see cref="LoginTestsOnFunctions"/>).</summary>
public abstract partial class LoginTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Theory]
    [InlineData("/account")]
    [InlineData("/account/settings?tab=security#top")]
    [InlineData("/")]
    public async Task Form_login_redirects_with_303_to_a_local_returnUrl_and_sets_a_working_cookie(string returnUrl)
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginFormAsync(("username", user.Username), ("password", TestSettings.Password), ("returnUrl", returnUrl));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(returnUrl, response.Headers.Location?.OriginalString);
        var cookie = Responses.SessionCookie(response);
        Responses.AssertSessionCookieAttributes(cookie);
        await Api.GetTokenAsync(cookie.Value);
    }

    [Fact]
    public async Task Form_login_without_returnUrl_redirects_to_the_account_page_which_answers_200()
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginFormAsync(("username", user.Username), ("password", TestSettings.Password));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/api/auth/account", response.Headers.Location?.OriginalString);
        var cookie = Responses.SessionCookie(response);

        // Where it lands is a page, not the 404 that "/" is.
        using var account = new HttpRequestMessage(HttpMethod.Get, "api/auth/account");
        account.Headers.Add("Cookie", $"{AuthApiClient.CookieName}={cookie.Value}");
        using var page = await Api.Client.SendAsync(account);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(user.Username, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/auth/signin", "/api/auth/account")]
    [InlineData("api/auth/signin?returnUrl=%2Felsewhere", "/elsewhere")]
    [InlineData("api/auth/signin?returnUrl=%2F%2Fevil.example", "/api/auth/account")]
    public async Task The_sign_in_page_posts_the_account_page_as_returnUrl_unless_given_a_local_one(string path, string expected)
    {
        using var response = await Api.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"name=\"returnUrl\" value=\"{expected}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("evil.example")]
    public async Task Form_login_refuses_a_non_local_returnUrl_with_400_and_no_session(string returnUrl)
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginFormAsync(("username", user.Username), ("password", TestSettings.Password), ("returnUrl", returnUrl));

        await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Null(response.Headers.Location);
        Responses.AssertNoSessionCookie(response);
    }

    [Theory]
    [InlineData("username")]
    [InlineData("password")]
    [InlineData("returnUrl")]
    public async Task A_repeated_form_field_is_a_400_that_names_the_repetition(string repeated)
    {
        var user = await fixture.Host.AddUserAsync();
        var fields = new List<(string Name, string Value)> { ("username", user.Username), ("password", TestSettings.Password), ("returnUrl", "/") };
        fields.Add(fields.Single(f => f.Name == repeated));

        using var response = await Api.LoginFormAsync([.. fields]);

        var body = await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal($"The field '{repeated}' is given more than once; give it once.", body.GetProperty("detail").GetString());
        Responses.AssertNoSessionCookie(response);
    }

    [Fact]
    public async Task Wrong_password_unknown_user_and_disabled_user_get_the_same_401()
    {
        var user = await fixture.Host.AddUserAsync();
        var disabled = await fixture.Host.AddUserAsync();
        Assert.True(await fixture.Host.Service<IUserStore>().SetDisabledAsync(disabled.Id, true, CancellationToken.None));

        var attempts = new (string Case, string Username, string Password)[]
        {
            ("wrong password", user.Username, TestSettings.Password + "!"),
            ("unknown user", AuthHost.NewUsername(), TestSettings.Password),
            ("disabled user", disabled.Username, TestSettings.Password),
        };

        var bodies = new List<(string Case, string Body)>();
        foreach (var (name, username, password) in attempts)
        {
            using var response = await Api.LoginJsonAsync(username, password);
            await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_credentials");
            Responses.AssertNoSessionCookie(response);
            var body = await response.Content.ReadAsStringAsync();
            bodies.Add((name, TraceId().Replace(body, "")));
        }

        Assert.All(bodies, b => Assert.True(bodies[0].Body == b.Body, $"'{b.Case}' differs from '{bodies[0].Case}':\n{b.Body}\n{bodies[0].Body}"));
        Assert.DoesNotContain(user.Username, bodies[0].Body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Usernames_compare_case_insensitively()
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginJsonAsync(user.Username.ToUpperInvariant(), TestSettings.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user.Id, (await Responses.ReadJsonAsync(response)).GetProperty("userId").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task Other_content_types_get_415(string mediaType)
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginRawAsync($"username={user.Username}&password={TestSettings.Password}", mediaType);

        await Responses.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Responses.AssertNoSessionCookie(response);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"username\": 42, \"password\": \"x\"}")]
    public async Task Malformed_json_gets_400(string body)
    {
        using var response = await Api.LoginRawAsync(body, "application/json");

        await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Responses.AssertNoSessionCookie(response);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("{\"username\": \"someone\"}")]
    [InlineData("{\"password\": \"correct horse battery staple\"}")]
    [InlineData("{\"username\": \"\", \"password\": \"correct horse battery staple\"}")]
    [InlineData("{\"username\": \"someone\", \"password\": \"\"}")]
    public async Task Missing_fields_get_400(string body)
    {
        using var response = await Api.LoginRawAsync(body, "application/json");

        await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Responses.AssertNoSessionCookie(response);
    }

    [Fact]
    public async Task A_form_without_password_gets_400()
    {
        var user = await fixture.Host.AddUserAsync();

        using var response = await Api.LoginFormAsync(("username", user.Username), ("returnUrl", "/"));

        await Responses.AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Responses.AssertNoSessionCookie(response);
    }

    [GeneratedRegex("\"traceId\"\\s*:\\s*\"[^\"]*\"")]
    private static partial Regex TraceId();
}

[Collection(AzuriteCollection.Name)]
public sealed class LoginTestsOnAspNetCore(HostFixture fixture) : LoginTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class LoginTestsOnFunctions(FunctionsHostFixture fixture) : LoginTests(fixture), IClassFixture<FunctionsHostFixture>;
