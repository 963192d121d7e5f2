using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Three login attempts a minute per client address. The plain host reads the address from a trusted
/// front end's X-Forwarded-For (Auth:ClientAddressHeader); under Functions the worker takes it from the
/// host's X-Forwarded-For, which the test host fills from the one the test sends.
/// </summary>
public class LowRateLimitHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings => Kind == HostKind.AspNetCore
        ? new Dictionary<string, string> { ["Auth:LoginAttemptsPerMinute"] = "3", ["Auth:ClientAddressHeader"] = "X-Forwarded-For" }
        : new Dictionary<string, string> { ["Auth:LoginAttemptsPerMinute"] = "3" };
}

public sealed class FunctionsLowRateLimitHostFixture(AzuriteFixture azurite) : LowRateLimitHostFixture(azurite)
{
    public override HostKind Kind => HostKind.Functions;
}

public abstract class LoginRateLimitTests(LowRateLimitHostFixture fixture)
{
    private Task<HttpResponseMessage> LoginFromAsync(string address, string username, string password) =>
        fixture.Host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "api/auth/login")
        {
            Headers = { { "X-Forwarded-For", address } },
            Content = JsonContent(username, password),
        });

    private static StringContent JsonContent(string username, string password) =>
        new(System.Text.Json.JsonSerializer.Serialize(new { username, password }), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Two_client_addresses_do_not_share_a_bucket()
    {
        var user = await fixture.Host.AddUserAsync();
        const string First = "198.51.100.7";
        const string Second = "203.0.113.9";

        for (var i = 0; i < 3; i++)
        {
            using var wrong = await LoginFromAsync(First, user.Username, "wrong password");
            await Responses.AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        using (var limited = await LoginFromAsync(First, user.Username, TestSettings.Password))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }

        // The other address has its whole minute left: the right password logs in.
        using var other = await LoginFromAsync(Second, user.Username, TestSettings.Password);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class LoginRateLimitTestsOnAspNetCore(LowRateLimitHostFixture fixture) : LoginRateLimitTests(fixture), IClassFixture<LowRateLimitHostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class LoginRateLimitTestsOnFunctions(FunctionsLowRateLimitHostFixture fixture) : LoginRateLimitTests(fixture), IClassFixture<FunctionsLowRateLimitHostFixture>;
