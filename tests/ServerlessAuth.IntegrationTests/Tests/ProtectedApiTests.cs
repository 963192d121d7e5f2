using System.Net;
using System.Text.Json;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.IntegrationTests.Infrastructure.Processes;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Another API trusting our tokens, all as real processes: our host, the admin CLI and the sample API
/// (ServerlessAuth.AspNetCore). Every way of revoking reaches the API within the bound.
/// </summary>
[Collection(ProtectedApiCollection.Name)]
public sealed class ProtectedApiTests(ProtectedApiFixture fixture) : IClassFixture<ProtectedApiFixture>
{
    private ProtectedApiScenario Scenario => fixture.Scenario;

    private async Task<JsonElement> AssertAcceptedAsync(string accessToken)
    {
        using var response = await Scenario.HelloAsync(accessToken);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}{Environment.NewLine}{Scenario.Outputs}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task A_token_from_our_host_is_accepted_with_its_subject_and_name()
    {
        var (username, tokens) = await Scenario.NewUserWithTokensAsync();

        var hello = await AssertAcceptedAsync(tokens.AccessToken);

        Assert.Equal(username, hello.GetProperty("name").GetString());
        Assert.Equal(Jwt.Decode(tokens.AccessToken).Payload.GetProperty("sub").GetString(), hello.GetProperty("sub").GetString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    public async Task Text_that_is_no_token_gets_401_invalid_token_with_no_library_text(string token)
    {
        using var response = await Scenario.HelloAsync(token);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"Expected 401, got {(int)response.StatusCode}: {body}");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("error=\"invalid_token\", error_description=\"The token is malformed.\"", challenge.Parameter);
        Assert.DoesNotContain("IDX", body + challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_local_logout_the_token_is_refused_within_the_bound()
    {
        var (_, tokens) = await Scenario.NewUserWithTokensAsync();
        await AssertAcceptedAsync(tokens.AccessToken);

        using (var logout = await Scenario.Auth.LogoutWithRefreshTokenAsync(tokens.RefreshToken, "local"))
        {
            await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout");
        }

        await Scenario.AssertRefusedWithinBoundAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task After_a_global_logout_every_token_of_the_user_is_refused_within_the_bound()
    {
        var (username, first) = await Scenario.NewUserWithTokensAsync();
        using var second = await Scenario.Auth.LoginForTokensRawAsync(username, TestSettings.Password);
        var secondToken = (await Responses.ReadJsonAsync(second)).GetProperty("access_token").GetString()!;
        await AssertAcceptedAsync(secondToken);

        using (var logout = await Scenario.Auth.LogoutWithRefreshTokenAsync(first.RefreshToken, "global"))
        {
            await Responses.AssertStatusAsync(logout, HttpStatusCode.OK, "logout");
        }

        await Scenario.AssertRefusedWithinBoundAsync(first.AccessToken);
        await Scenario.AssertRefusedWithinBoundAsync(secondToken);
    }

    [Fact]
    public async Task After_the_user_is_disabled_the_token_is_refused_within_the_bound()
    {
        var (username, tokens) = await Scenario.NewUserWithTokensAsync();
        await AssertAcceptedAsync(tokens.AccessToken);

        (await Scenario.Cli.RunAsync("users", "disable", username)).AssertSucceeded();

        await Scenario.AssertRefusedWithinBoundAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task After_an_emergency_key_rotation_old_tokens_are_refused_and_new_ones_accepted()
    {
        var (username, tokens) = await Scenario.NewUserWithTokensAsync();
        await AssertAcceptedAsync(tokens.AccessToken);

        (await Scenario.Cli.RunAsync("keys", "rotate", "--emergency")).AssertSucceeded();

        await Scenario.AssertRefusedWithinBoundAsync(tokens.AccessToken);
        // Our host signs with the new key once it has seen the same event; the API knows that key too.
        await Eventually.HoldsAsync(async () =>
        {
            using var login = await Scenario.Auth.LoginForTokensRawAsync(username, TestSettings.Password);
            var token = (await Responses.ReadJsonAsync(login)).GetProperty("access_token").GetString()!;
            if (Jwt.Decode(token).Header.GetProperty("kid").GetString() == Jwt.Decode(tokens.AccessToken).Header.GetProperty("kid").GetString())
            {
                return false;
            }

            await AssertAcceptedAsync(token);
            return true;
        }, AuthApiClient.RevocationBound, "our host signs with the new key and the sample API accepts it");
    }
}

/// <summary>With our host gone, the API keeps deciding from its replica until the staleness bound, then answers 503.</summary>
[Collection(ProtectedApiCollection.Name)]
public sealed class ProtectedApiIssuerOutageTests(ProtectedApiFixture fixture) : IClassFixture<ProtectedApiFixture>
{
    [Fact]
    public async Task With_our_host_stopped_tokens_are_accepted_until_the_staleness_bound_then_answered_503()
    {
        var scenario = fixture.Scenario;
        var (_, tokens) = await scenario.NewUserWithTokensAsync();

        await scenario.Host!.KillAsync();

        // No call to our host per request: the token is still decided from the replica.
        using (var during = await scenario.HelloAsync(tokens.AccessToken))
        {
            Assert.True(during.StatusCode == HttpStatusCode.OK,
                $"Expected 200 right after our host stopped, got {(int)during.StatusCode}: {await during.Content.ReadAsStringAsync()}{Environment.NewLine}{scenario.Outputs}");
        }

        HttpStatusCode last = HttpStatusCode.OK;
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await scenario.HelloAsync(tokens.AccessToken);
            last = response.StatusCode;
            Assert.True(last is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"Expected 200 until stale, then 503; got {(int)last}: {await response.Content.ReadAsStringAsync()}");
            if (last == HttpStatusCode.ServiceUnavailable)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }

            return last == HttpStatusCode.ServiceUnavailable;
        }, ProtectedApiScenario.StalenessBound + AuthApiClient.RevocationBound, "the sample API answers 503 once its revocation state is stale", TimeSpan.FromMilliseconds(100));

        using var health = await scenario.ApiClient.GetAsync("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);

        // Our host back: the API recovers with its next good poll, without a restart.
        await scenario.StartHostAsync();
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await scenario.HelloAsync(tokens.AccessToken);
            return response.StatusCode == HttpStatusCode.OK;
        }, AuthApiClient.RevocationBound, "the sample API accepts tokens again once our host is back");
    }
}
