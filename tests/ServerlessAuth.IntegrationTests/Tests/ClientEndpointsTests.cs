using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Clients;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Introspection, revocation and the revocations endpoint over HTTPS, with clients registered through the
/// real store. Runs on both hosts: under the Functions kind the worker serves the requests while the
/// in-process host registers clients, disables users and rotates keys on the same tables, so every
/// answer also shows the worker reading what another process wrote.
/// </summary>
public abstract class ClientEndpointsTests(HostFixture fixture)
{
    private AuthHost A => fixture.Host;

    internal static async Task<string> RegisterClientAsync(AuthHost host)
    {
        var id = "api-" + Guid.NewGuid().ToString("N")[..8];
        var added = await host.Service<ClientAdministration>().AddAsync(id, "integration tests", CancellationToken.None);
        return ClientCredentials.FormatBasic(id, added!.Secret);
    }

    private Task<string> RegisterClientAsync() => RegisterClientAsync(A);

    private static async Task AssertInvalidClientAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"Expected 401, got {(int)response.StatusCode}: {body}");
        Assert.Equal("Basic realm=\"ServerlessAuth\"", response.Headers.WwwAuthenticate.ToString());
        using var json = JsonDocument.Parse(body);
        Assert.Equal("invalid_client", json.RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain("active", body, StringComparison.Ordinal);
    }

    internal static void AssertInactive(JsonElement body) =>
        Assert.Equal("{\"active\":false}", body.GetRawText());

    [Fact]
    public async Task Introspection_refuses_missing_wrong_and_removed_credentials_before_reading_the_token()
    {
        var basic = await RegisterClientAsync();
        var token = (await A.Api.LoginForTokensAsync(await A.AddUserAsync())).AccessToken;
        Assert.True(ClientCredentials.TryParseBasic(basic, out var clientId, out var secret));

        string?[] refused =
        [
            null,
            "Bearer " + token,
            "Basic not*base64",
            ClientCredentials.FormatBasic(clientId, "wrong-secret"),
            ClientCredentials.FormatBasic("no-such-client", secret),
        ];
        foreach (var authorization in refused)
        {
            using var response = await A.Api.IntrospectRawAsync(authorization, token);
            await AssertInvalidClientAsync(response);
        }

        Assert.True(await A.Service<ClientAdministration>().RemoveAsync(clientId, CancellationToken.None));
        using var removed = await A.Api.IntrospectRawAsync(basic, token);
        await AssertInvalidClientAsync(removed);
    }

    [Fact]
    public async Task Tokens_ended_by_logout_global_logout_disable_or_emergency_rotation_are_inactive()
    {
        var basic = await RegisterClientAsync();

        var user = await A.AddUserAsync();
        var login = await A.Api.LoginAsync(user);
        var loggedOut = await A.Api.GetTokenAsync(login.CookieValue);
        (await A.Api.LogoutAsync(login.CookieValue, loggedOut)).Dispose();
        AssertInactive(await A.Api.IntrospectAsync(basic, loggedOut));

        var sessionEnded = await A.Api.LoginForTokensAsync(user);
        (await A.Api.LogoutWithRefreshTokenAsync(sessionEnded.RefreshToken)).Dispose();
        AssertInactive(await A.Api.IntrospectAsync(basic, sessionEnded.AccessToken));

        var global = await A.Api.LoginForTokensAsync(user);
        var other = await A.Api.LoginForTokensAsync(user);
        (await A.Api.LogoutAsync(null, global.AccessToken, "global")).Dispose();
        AssertInactive(await A.Api.IntrospectAsync(basic, other.AccessToken));
        AssertInactive(await A.Api.IntrospectAsync(basic, other.RefreshToken));

        var disabledUser = await A.AddUserAsync();
        var disabled = await A.Api.LoginForTokensAsync(disabledUser);
        await A.Service<UserAdministration>().DisableAsync(disabledUser, CancellationToken.None);
        AssertInactive(await A.Api.IntrospectAsync(basic, disabled.AccessToken));
    }

    [Fact]
    public async Task Garbage_and_foreign_tokens_are_inactive()
    {
        var basic = await RegisterClientAsync();
        var valid = (await A.Api.LoginForTokensAsync(await A.AddUserAsync())).AccessToken;
        var parts = valid.Split('.');
        string[] garbage =
        [
            "x",
            "a.b.c",
            parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length),
            ForgedJwt.Unsigned("{\"alg\":\"none\",\"typ\":\"at+jwt\"}", Jwt.Decode(valid).Payload.GetRawText()),
            new string('A', 5000)[..3000],
        ];
        foreach (var token in garbage)
        {
            AssertInactive(await A.Api.IntrospectAsync(basic, token));
            AssertInactive(await A.Api.IntrospectAsync(basic, token, "refresh_token"));
        }
    }

    [Fact]
    public async Task A_refresh_token_is_active_while_its_session_lives_and_revoking_it_ends_the_session()
    {
        var basic = await RegisterClientAsync();
        var user = await A.AddUserAsync();
        var tokens = await A.Api.LoginForTokensAsync(user);

        foreach (var hint in new string?[] { "refresh_token", null, "access_token", "something_else" })
        {
            var body = await A.Api.IntrospectAsync(basic, tokens.RefreshToken, hint);
            Assert.True(body.GetProperty("active").GetBoolean());
            Assert.Equal("refresh_token", body.GetProperty("token_type").GetString());
            Assert.Equal(user.Id, body.GetProperty("sub").GetString());
            Assert.Equal(Jwt.Decode(tokens.AccessToken).Payload.GetProperty("sid").GetString(), body.GetProperty("sid").GetString());
            Assert.True(body.GetProperty("exp").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Assert.False(body.TryGetProperty("jti", out _));
            Assert.DoesNotContain(tokens.RefreshToken.Split('.')[2], body.GetRawText(), StringComparison.Ordinal);
        }

        // A rotation spends the old one.
        var rotated = await A.Api.RefreshAsync(tokens.RefreshToken);
        AssertInactive(await A.Api.IntrospectAsync(basic, tokens.RefreshToken));

        using (var revoke = await A.Api.RevokeAsync(rotated.RefreshToken, "refresh_token"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        AssertInactive(await A.Api.IntrospectAsync(basic, rotated.RefreshToken));
        AssertInactive(await A.Api.IntrospectAsync(basic, rotated.AccessToken));
        await A.Api.AssertRefreshRefusedAsync(rotated.RefreshToken);
        await A.Api.AssertRefusedWithinBoundAsync(rotated.AccessToken);
    }

    [Fact]
    public async Task Revoke_answers_200_for_anything_and_400_without_a_token()
    {
        foreach (var token in new[] { "garbage", "a.b.c", new string('x', 100) })
        {
            using var response = await A.Api.RevokeAsync(token, "whatever");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var tokens = await A.Api.LoginForTokensAsync(await A.AddUserAsync());
        for (var i = 0; i < 2; i++)
        {
            // Already revoked the second time: still 200.
            using var response = await A.Api.RevokeAsync(tokens.AccessToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var missing = await A.Api.PostTokenFormAsync("api/auth/revoke", null, ("token_type_hint", "access_token")))
        {
            await Responses.AssertOAuthErrorAsync(missing, "invalid_request");
        }

        using (var repeated = await A.Api.PostTokenFormAsync("api/auth/revoke", null, ("token", "a"), ("token", "b")))
        {
            await Responses.AssertOAuthErrorAsync(repeated, "invalid_request");
        }

        using (var json = await A.Api.Client.PostAsync("api/auth/revoke", new StringContent("{\"token\":\"x\"}", System.Text.Encoding.UTF8, "application/json")))
        {
            await Responses.AssertOAuthErrorAsync(json, "invalid_request");
        }

        using (var get = await A.Api.SendAsync(HttpMethod.Get, "api/auth/revoke"))
        {
            await Responses.AssertProblemAsync(get, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        }

        // Credentials are optional, but bad ones are refused.
        using var badClient = await A.Api.RevokeAsync(tokens.AccessToken, null, ClientCredentials.FormatBasic("nobody", "nothing"));
        await AssertInvalidClientAsync(badClient);

        var basic = await RegisterClientAsync();
        using var goodClient = await A.Api.RevokeAsync(tokens.AccessToken, null, basic);
        Assert.Equal(HttpStatusCode.OK, goodClient.StatusCode);
    }

    [Fact]
    public async Task Introspection_needs_a_token_field()
    {
        var basic = await RegisterClientAsync();
        using var missing = await A.Api.PostTokenFormAsync("api/auth/introspect", basic, ("token_type_hint", "access_token"));
        await Responses.AssertOAuthErrorAsync(missing, "invalid_request");
        using var get = await A.Api.SendAsync(HttpMethod.Get, "api/auth/introspect");
        await Responses.AssertProblemAsync(get, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task The_revocations_endpoint_serves_the_feed_in_the_wire_format_and_honours_since()
    {
        var basic = await RegisterClientAsync();
        using (var unauthenticated = await A.Api.RevocationsAsync(null))
        {
            await AssertInvalidClientAsync(unauthenticated);
        }

        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5_000;
        var user = await A.AddUserAsync();
        var login = await A.Api.LoginAsync(user);
        var token = await A.Api.GetTokenAsync(login.CookieValue);
        var claims = Jwt.Decode(token).Payload;
        (await A.Api.LogoutAsync(login.CookieValue, token)).Dispose();
        var globalTokens = await A.Api.LoginForTokensAsync(user);
        (await A.Api.LogoutAsync(null, globalTokens.AccessToken, "global")).Dispose();
        var disabledUser = await A.AddUserAsync();
        await A.Service<UserAdministration>().DisableAsync(disabledUser, CancellationToken.None);
        await A.Service<KeyRotation>().RotateAsync(emergency: false, endSessions: false, CancellationToken.None);

        using var response = await A.Api.RevocationsAsync(basic, $"?since={start}");
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "revocations");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var events = (await Responses.ReadJsonAsync(response)).GetProperty("events").EnumerateArray().ToList();
        Assert.All(events, e =>
        {
            Assert.False(string.IsNullOrEmpty(e.GetProperty("id").GetString()));
            Assert.True(e.GetProperty("published_at").GetInt64() >= start - 60_000);
        });

        var revoked = Assert.Single(events, e => e.GetProperty("kind").GetString() == "token_revoked" && e.GetProperty("jti").GetString() == claims.GetProperty("jti").GetString());
        Assert.Equal(claims.GetProperty("exp").GetInt64() * 1000, revoked.GetProperty("instant").GetInt64());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "session_ended"
            && e.GetProperty("sub").GetString() == user.Id && e.GetProperty("sid").GetString() == claims.GetProperty("sid").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "user_cutoff" && e.GetProperty("sub").GetString() == user.Id && e.GetProperty("instant").GetInt64() > start);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "user_cutoff" && e.GetProperty("sub").GetString() == disabledUser.Id);
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "signing_keys_changed" && e.EnumerateObject().Count() == 3);

        // since after every one of them: none of these.
        var last = events.Max(e => e.GetProperty("published_at").GetInt64());
        using var later = await A.Api.RevocationsAsync(basic, $"?since={last + 1}");
        var laterEvents = (await Responses.ReadJsonAsync(later)).GetProperty("events").EnumerateArray().ToList();
        Assert.DoesNotContain(laterEvents, e => e.GetProperty("id").GetString() == revoked.GetProperty("id").GetString());

        // Absent or far in the past: clamped to the retention window, not refused.
        foreach (var query in new[] { "", "?since=0", "?since=-99999999999999999" })
        {
            using var clamped = await A.Api.RevocationsAsync(basic, query);
            await Responses.AssertStatusAsync(clamped, HttpStatusCode.OK, "revocations " + query);
            var all = (await Responses.ReadJsonAsync(clamped)).GetProperty("events").EnumerateArray();
            Assert.Contains(all, e => e.GetProperty("id").GetString() == revoked.GetProperty("id").GetString());
        }

        foreach (var query in new[] { "?since=abc", "?since=1.5", "?since=", "?since=1&since=2", "?since=99999999999999999999" })
        {
            using var bad = await A.Api.RevocationsAsync(basic, query);
            await Responses.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_request");
        }
    }
}

/// <summary>An emergency rotation on a host of its own (it disables the key every other test signs with).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class IntrospectionKeyRotationTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    [Fact]
    public async Task After_an_emergency_rotation_tokens_of_the_disabled_key_are_inactive_and_new_ones_active()
    {
        var host = fixture.Host;
        var added = await host.Service<ClientAdministration>().AddAsync("rotation-api", null, CancellationToken.None);
        var basic = ClientCredentials.FormatBasic("rotation-api", added!.Secret);
        var user = await host.AddUserAsync();
        var old = await host.Api.LoginForTokensAsync(user);
        Assert.True((await host.Api.IntrospectAsync(basic, old.AccessToken)).GetProperty("active").GetBoolean());

        await host.Service<KeyRotation>().RotateAsync(emergency: true, endSessions: false, CancellationToken.None);

        // The instance re-reads its key ring on the feed's signing_keys_changed event: within the revocation bound.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await host.Api.IntrospectAsync(basic, old.AccessToken)).GetProperty("active").GetBoolean())
        {
            Assert.True(watch.Elapsed < AuthApiClient.RevocationBound, "A token of a disabled key was still active.");
            await Task.Delay(20);
        }

        var fresh = await host.Api.LoginForTokensAsync(user);
        Assert.True((await host.Api.IntrospectAsync(basic, fresh.AccessToken)).GetProperty("active").GetBoolean());
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class ClientEndpointsTestsOnAspNetCore(HostFixture fixture) : ClientEndpointsTests(fixture), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class ClientEndpointsTestsOnFunctions(FunctionsHostFixture fixture) : ClientEndpointsTests(fixture), IClassFixture<FunctionsHostFixture>;

/// <summary>
/// The same endpoints on two instances sharing storage (Replica mode): what one instance revokes, the
/// other's introspection and revocations endpoint report at once, as they read the tables.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ClientEndpointsAcrossInstancesTests(TwoHostsFixture fixture) : IClassFixture<TwoHostsFixture>
{
    private AuthHost A => fixture.A;

    private Task<string> RegisterClientAsync() => ClientEndpointsTests.RegisterClientAsync(A);

    private static void AssertInactive(JsonElement body) => ClientEndpointsTests.AssertInactive(body);

    [Fact]
    public async Task An_active_access_token_is_described_and_a_revoked_one_is_inactive_at_once_on_another_instance()
    {
        var basic = await RegisterClientAsync();
        var user = await A.AddUserAsync();
        var tokens = await A.Api.LoginForTokensAsync(user);

        var active = await fixture.B.Api.IntrospectAsync(basic, tokens.AccessToken);
        var claims = Jwt.Decode(tokens.AccessToken).Payload;
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal("Bearer", active.GetProperty("token_type").GetString());
        Assert.Equal(user.Id, active.GetProperty("sub").GetString());
        Assert.Equal(user.Username, active.GetProperty("username").GetString());
        Assert.Equal(claims.GetProperty("sid").GetString(), active.GetProperty("sid").GetString());
        Assert.Equal(claims.GetProperty("jti").GetString(), active.GetProperty("jti").GetString());
        Assert.Equal(claims.GetProperty("iat").GetInt64(), active.GetProperty("iat").GetInt64());
        Assert.Equal(claims.GetProperty("exp").GetInt64(), active.GetProperty("exp").GetInt64());
        Assert.Equal(TestSettings.Issuer, active.GetProperty("iss").GetString());
        Assert.Equal(TestSettings.Audience, active.GetProperty("aud").GetString());

        // Revoked on A; B's introspection reads the tables, so no wait.
        using (var revoke = await A.Api.RevokeAsync(tokens.AccessToken, "access_token"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        AssertInactive(await fixture.B.Api.IntrospectAsync(basic, tokens.AccessToken));
        await fixture.B.Api.AssertRefusedWithinBoundAsync(tokens.AccessToken);

        // Revoking an access token leaves its session: the refresh token still works.
        var refreshed = await A.Api.RefreshAsync(tokens.RefreshToken);
        Assert.True((await A.Api.IntrospectAsync(basic, refreshed.AccessToken)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_revocation_on_one_instance_is_in_the_other_instances_revocations_feed_at_once()
    {
        var basic = await RegisterClientAsync();
        var tokens = await A.Api.LoginForTokensAsync(await A.AddUserAsync());
        var jti = Jwt.Decode(tokens.AccessToken).Payload.GetProperty("jti").GetString();
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5_000;
        using (var revoke = await A.Api.RevokeAsync(tokens.AccessToken, "access_token"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var response = await fixture.B.Api.RevocationsAsync(basic, $"?since={start}");
        await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "revocations");
        var events = (await Responses.ReadJsonAsync(response)).GetProperty("events").EnumerateArray();
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "token_revoked" && e.GetProperty("jti").GetString() == jti);
    }
}
