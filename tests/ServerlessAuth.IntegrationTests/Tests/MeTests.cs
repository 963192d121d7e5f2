using System.Net;
using System.Text.Json.Nodes;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

[Collection(AzuriteCollection.Name)]
/// <summary>HTTP contract tests, run on both hosts (<see cref="MeTestsOnAspNetCore"/>, <see cref="MeTestsOnFunctions"/>).</summary>
public abstract class MeTests(HostFixture fixture)
{
    private AuthApiClient Api => fixture.Api;

    [Fact]
    public async Task Me_without_a_token_is_401_with_a_bare_Bearer_challenge()
    {
        using var response = await Api.MeAsync(null);

        await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "missing_token");
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.ToString());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task Me_with_a_garbage_token_is_401_invalid_token(string token)
    {
        using var response = await Api.MeAsync(token);

        await Responses.AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Me_with_a_tampered_token_is_401_invalid_token()
    {
        var victim = await fixture.Host.AddUserAsync();
        var attacker = await fixture.Host.AddUserAsync();
        var token = await Api.GetTokenAsync((await Api.LoginAsync(attacker)).CookieValue);
        var jwt = Jwt.Decode(token);

        var payload = JsonNode.Parse(jwt.Payload.GetRawText())!.AsObject();
        payload["sub"] = victim.Id;
        var tampered = $"{jwt.Segments[0]}.{Jwt.ToBase64Url(payload.ToJsonString())}.{jwt.Segments[2]}";

        using var response = await Api.MeAsync(tampered);

        await Responses.AssertInvalidTokenAsync(response);
    }

    [Fact]
    public async Task Me_refuses_an_alg_none_copy_of_a_valid_token()
    {
        var user = await fixture.Host.AddUserAsync();
        var token = await Api.GetTokenAsync((await Api.LoginAsync(user)).CookieValue);
        var jwt = Jwt.Decode(token);

        var header = JsonNode.Parse(jwt.Header.GetRawText())!.AsObject();
        header["alg"] = "none";
        var unsigned = $"{Jwt.ToBase64Url(header.ToJsonString())}.{jwt.Segments[1]}.";

        using var response = await Api.MeAsync(unsigned);

        await Responses.AssertInvalidTokenAsync(response);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    public async Task Me_answers_405_to_other_methods(string method)
    {
        using var response = await Api.SendAsync(new HttpMethod(method), "api/auth/me");

        await Responses.AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal(["GET"], response.Content.Headers.Allow);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class MeTestsOnAspNetCore(HostFixture fixture) : MeTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class MeTestsOnFunctions(FunctionsHostFixture fixture) : MeTests(fixture), IClassFixture<FunctionsHostFixture>;
