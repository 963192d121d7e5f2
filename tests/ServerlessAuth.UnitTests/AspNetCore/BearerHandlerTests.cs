using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServerlessAuth.AspNetCore;

namespace ServerlessAuth.UnitTests.AspNetCore;

/// <summary>The handler in an API's pipeline, against the issuer's endpoints in memory.</summary>
public sealed class BearerHandlerTests
{
    private static async Task AssertInvalidTokenAsync(HttpResponseMessage response, string? description = null)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter);
        if (description is not null)
        {
            Assert.Contains($"error_description=\"{description}\"", challenge.Parameter);
        }

        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage response, string detailContains)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, body.GetProperty("status").GetInt32());
        Assert.Equal("temporarily_unavailable", body.GetProperty("code").GetString());
        Assert.Contains(detailContains, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_token_of_the_issuer_is_accepted_and_its_claims_reach_the_endpoint()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var claims = ProtectedApi.Claims();

        using var response = await api.HelloAsync(api.Token(claims));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(claims["sub"]!.GetValue<string>(), body.GetProperty("sub").GetString());
        Assert.Equal("alice", body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task No_token_gets_the_plain_bearer_challenge()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();

        using var response = await api.HelloAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task The_feed_is_read_with_the_client_credentials_and_a_since_in_unix_milliseconds()
    {
        await using var api = await ProtectedApi.StartAsync();

        await api.PollAsync();
        await api.PollAsync();

        var queries = api.Issuer.RevocationQueries.ToList();
        Assert.Equal(2, queries.Count);
        var since = queries.Select(q => long.Parse(q.Split("since=")[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var now = api.Time.GetUtcNow();
        // First: a whole retention window (lifetime + skew + overlap), with the longest lifetime the issuer allows,
        // since the discovery document is read within that poll (the issuer clamps it to its own window);
        // then from the whole overlap before the last poll: the API's clock is not the issuer's, so no short reads.
        Assert.Equal((now - TimeSpan.FromHours(1) - TimeSpan.FromSeconds(30) - TimeSpan.FromSeconds(35)).ToUnixTimeMilliseconds(), since[0]);
        Assert.Equal((now - TimeSpan.FromSeconds(35)).ToUnixTimeMilliseconds(), since[1]);
        Assert.True(api.State.Replica.IsCurrent(now));
    }

    [Fact]
    public async Task Wrong_client_credentials_leave_the_state_stale_and_tokens_get_503()
    {
        await using var api = await ProtectedApi.StartAsync(o => o.ClientSecret = "not-the-secret");
        await api.PollAsync();

        Assert.Null(api.State.Replica.CurrentAsOf);
        var request = api.HelloAsync(api.Token());
        // The first request waits for a first poll, at most the staleness bound, on the fake clock.
        await Eventually(() => api.Time.Advance(TimeSpan.FromSeconds(1)), request);
        using var response = await request;
        await AssertUnavailableAsync(response, "not been read yet");
    }

    [Theory]
    [InlineData("token_revoked")]
    [InlineData("session_ended")]
    [InlineData("user_cutoff")]
    [InlineData("service_cutoff")]
    public async Task A_token_named_by_a_feed_event_is_refused_with_invalid_token(string kind)
    {
        await using var api = await ProtectedApi.StartAsync();
        var claims = ProtectedApi.Claims();
        var token = api.Token(claims);
        await api.PollAsync();
        using (var before = await api.HelloAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var now = api.Time.GetUtcNow();
        var later = DateTimeOffset.UtcNow.AddSeconds(5).ToUnixTimeMilliseconds();
        api.Issuer.Events.Add(kind switch
        {
            "token_revoked" => FakeIssuer.Event(kind, now, ("jti", claims["jti"]!.GetValue<string>()), ("instant", claims["exp"]!.GetValue<long>() * 1000)),
            "session_ended" => FakeIssuer.Event(kind, now, ("sub", claims["sub"]!.GetValue<string>()), ("sid", claims["sid"]!.GetValue<string>())),
            "user_cutoff" => FakeIssuer.Event(kind, now, ("sub", claims["sub"]!.GetValue<string>()), ("instant", later)),
            _ => FakeIssuer.Event(kind, now, ("instant", later)),
        });
        await api.PollAsync();

        using var response = await api.HelloAsync(token);
        await AssertInvalidTokenAsync(response, kind == "token_revoked" ? "The token has been revoked." : "The session has ended.");
    }

    [Fact]
    public async Task A_session_of_another_user_named_in_an_event_ends_nothing()
    {
        await using var api = await ProtectedApi.StartAsync();
        var claims = ProtectedApi.Claims();
        api.Issuer.Events.Add(FakeIssuer.Event("session_ended", api.Time.GetUtcNow(), ("sub", Guid.NewGuid().ToString("N")), ("sid", claims["sid"]!.GetValue<string>())));
        await api.PollAsync();

        using var response = await api.HelloAsync(api.Token(claims));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_stale_revocation_state_answers_503_with_retry_after_and_recovers_with_the_next_good_poll()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var token = api.Token();

        api.Issuer.RevocationsStatus = HttpStatusCode.InternalServerError;
        api.Time.Advance(TimeSpan.FromSeconds(2));
        await api.PollAsync();
        using (var withinBound = await api.HelloAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, withinBound.StatusCode);
        }

        api.Time.Advance(TimeSpan.FromSeconds(1.5));
        await api.PollAsync();
        using (var stale = await api.HelloAsync(token))
        {
            await AssertUnavailableAsync(stale, "3.5 s old (bound 3 s)");
        }

        var health = await api.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, health.Entries[ServerlessAuthHealthCheck.Name].Status);

        api.Issuer.RevocationsStatus = HttpStatusCode.OK;
        await api.PollAsync();
        using var recovered = await api.HelloAsync(token);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        health = await api.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, health.Entries[ServerlessAuthHealthCheck.Name].Status);
    }

    [Fact]
    public async Task A_malformed_feed_answer_counts_as_a_failed_poll()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var asOf = api.State.Replica.CurrentAsOf;

        api.Issuer.RevocationsBody = """{"events":[{"id":"a","kind":"token_revoked","published_at":1}]}""";
        api.Time.Advance(TimeSpan.FromSeconds(1));
        await api.PollAsync();
        Assert.Equal(asOf, api.State.Replica.CurrentAsOf);

        api.Issuer.RevocationsBody = "not json";
        api.Time.Advance(TimeSpan.FromSeconds(1));
        await api.PollAsync();
        Assert.Equal(asOf, api.State.Replica.CurrentAsOf);
    }

    [Fact]
    public async Task A_cutoff_refuses_only_sessions_begun_more_than_the_skew_before_it_and_asks_no_one()
    {
        await using var api = await ProtectedApi.StartAsync();
        var authTime = DateTimeOffset.UtcNow.AddMinutes(-2);
        var spared = ProtectedApi.Claims(authTime);
        var ended = ProtectedApi.Claims(authTime);
        var skew = TimeSpan.FromSeconds(30); // ServerlessAuth:ClockSkew's default
        api.Issuer.Events.Add(FakeIssuer.Event("user_cutoff", api.Time.GetUtcNow(),
            ("sub", spared["sub"]!.GetValue<string>()), ("instant", (authTime + skew - TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds())));
        api.Issuer.Events.Add(FakeIssuer.Event("user_cutoff", api.Time.GetUtcNow(),
            ("sub", ended["sub"]!.GetValue<string>()), ("instant", (authTime + skew + TimeSpan.FromSeconds(1)).ToUnixTimeMilliseconds())));
        await api.PollAsync();

        using (var accepted = await api.HelloAsync(api.Token(spared)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        using (var refused = await api.HelloAsync(api.Token(ended)))
        {
            await AssertInvalidTokenAsync(refused, "The session has ended.");
        }

        Assert.Equal(0, api.Issuer.Calls("/api/auth/introspect"));
    }

    [Fact]
    public async Task A_cutoff_in_the_second_of_auth_time_is_decided_from_the_replica_even_when_introspection_is_down()
    {
        await using var api = await ProtectedApi.StartAsync();
        var authTime = DateTimeOffset.UtcNow.AddMinutes(-1);
        api.Issuer.Events.Add(FakeIssuer.Event("service_cutoff", api.Time.GetUtcNow(), ("instant", authTime.ToUnixTimeMilliseconds())));
        await api.PollAsync();
        api.Issuer.IntrospectionStatus = HttpStatusCode.BadGateway;

        using var response = await api.HelloAsync(api.Token(ProtectedApi.Claims(authTime)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, api.Issuer.Calls("/api/auth/introspect"));
    }

    [Fact]
    public async Task A_key_event_on_the_feed_re_reads_the_keys_so_a_disabled_key_stops_validating()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var oldToken = api.Token();
        using (var before = await api.HelloAsync(oldToken))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // Emergency rotation: a new key, the old one gone from the JWKS, then the event.
        var jwksReads = api.Issuer.Calls("/api/auth/.well-known/jwks.json");
        var replacement = new IssuerKey("key-2");
        api.Issuer.Keys.Clear();
        api.Issuer.Keys.Add(replacement);
        api.Issuer.Events.Add(FakeIssuer.Event("signing_keys_changed", api.Time.GetUtcNow()));
        await api.PollAsync();
        await Eventually(() => { }, WaitUntil(() => api.App.Services.GetRequiredService<IssuerMetadata>().Current?.Configuration.SigningKeys.SingleOrDefault()?.KeyId == "key-2"));

        Assert.True(api.Issuer.Calls("/api/auth/.well-known/jwks.json") > jwksReads);
        using var old = await api.HelloAsync(oldToken);
        await AssertInvalidTokenAsync(old);
        using var fresh = await api.HelloAsync(replacement.Sign(ProtectedApi.Header("key-2"), ProtectedApi.Claims()));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task After_a_key_event_the_keys_are_read_again_while_the_issuer_may_still_serve_the_old_set()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var metadata = api.App.Services.GetRequiredService<IssuerMetadata>();

        // The event arrives before the issuer instance that answers has re-read its own key ring.
        var jwksReads = api.Issuer.Calls("/api/auth/.well-known/jwks.json");
        api.Issuer.Events.Add(FakeIssuer.Event("signing_keys_changed", api.Time.GetUtcNow()));
        await api.PollAsync();
        await WaitUntil(() => api.Issuer.Calls("/api/auth/.well-known/jwks.json") > jwksReads);
        Assert.NotEqual("key-2", metadata.Current?.Configuration.SigningKeys.SingleOrDefault()?.KeyId);

        api.Issuer.Keys.Clear();
        api.Issuer.Keys.Add(new IssuerKey("key-2"));

        // Within the staleness bound, far short of the key refresh interval and with no unknown kid sent.
        for (var second = 0; second < 4 && metadata.Current?.Configuration.SigningKeys.SingleOrDefault()?.KeyId != "key-2"; second++)
        {
            api.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(WaitUntil(() => metadata.Current?.Configuration.SigningKeys.SingleOrDefault()?.KeyId == "key-2"), Task.Delay(1000));
        }

        Assert.Equal("key-2", metadata.Current?.Configuration.SigningKeys.SingleOrDefault()?.KeyId);
    }

    [Fact]
    public async Task A_key_added_to_the_jwks_is_accepted_at_its_first_use_without_a_feed_event()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        using (var warm = await api.HelloAsync(api.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var added = new IssuerKey("key-2");
        api.Issuer.Keys.Add(added);

        using var response = await api.HelloAsync(added.Sign(ProtectedApi.Header("key-2"), ProtectedApi.Claims()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_revoked_token_signed_with_a_new_key_is_refused_at_its_first_use()
    {
        await using var api = await ProtectedApi.StartAsync();
        var added = new IssuerKey("key-2");
        var claims = ProtectedApi.Claims();
        api.Issuer.Events.Add(FakeIssuer.Event("token_revoked", api.Time.GetUtcNow(), ("jti", claims["jti"]!.GetValue<string>()), ("instant", claims["exp"]!.GetValue<long>() * 1000)));
        await api.PollAsync();
        using (var warm = await api.HelloAsync(api.Token()))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        api.Issuer.Keys.Add(added);
        using var response = await api.HelloAsync(added.Sign(ProtectedApi.Header("key-2"), claims));

        await AssertInvalidTokenAsync(response, "The token has been revoked.");
    }

    [Fact]
    public async Task An_unknown_kid_asks_for_a_key_refresh_at_most_once_per_cooldown()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        using (await api.HelloAsync(api.Token()))
        {
        }

        var stranger = new IssuerKey("key-unknown");
        var jwksReads = api.Issuer.Calls("/api/auth/.well-known/jwks.json");
        for (var i = 0; i < 3; i++)
        {
            using var response = await api.HelloAsync(stranger.Sign(ProtectedApi.Header(stranger.Kid), ProtectedApi.Claims()));
            await AssertInvalidTokenAsync(response);
        }

        await Eventually(() => { }, WaitUntil(() => api.Issuer.Calls("/api/auth/.well-known/jwks.json") == jwksReads + 1));
        Assert.Equal(jwksReads + 1, api.Issuer.Calls("/api/auth/.well-known/jwks.json"));
    }

    [Fact]
    public async Task An_issuer_that_cannot_be_read_is_503_not_500()
    {
        var issuer = new FakeIssuer { DiscoveryIssuer = "https://someone-else.test/api/auth" };
        await using var api = await ProtectedApi.StartAsync(issuer: issuer);

        using var response = await api.HelloAsync(api.Token());

        await AssertUnavailableAsync(response, "names the issuer 'https://someone-else.test/api/auth'");
    }

    /// <summary>Tokens and the description they get; null: any of ours (one that parses fails a later check).</summary>
    public static TheoryData<string, string?> NotAJwt => new()
    {
        { "garbage", "The token is malformed." },
        { "a.b.c", "The token is malformed." },
        { "eyJhbGciOiJFUzI1NiJ9.!!!.###", "The token is malformed." },
        { "eyJhbGciOiJFUzI1NiIsImtpZCI6IngifQ.bm90IGpzb24.c2ln", "The token is malformed." },
        { "e30.e30.e30", null },
        { new string('a', 9000), null },
    };

    /// <summary>
    /// IdentityModel throws ArgumentException (IDX14100) for text that is not a JWT; such a token is as invalid as
    /// a forged one: 401 invalid_token, not 503, and no library text anywhere in the answer.
    /// </summary>
    [Theory]
    [MemberData(nameof(NotAJwt))]
    public async Task Text_that_is_no_jwt_gets_401_invalid_token_without_library_text(string token, string? description)
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();

        using var response = await api.HelloAsync(token);

        await AssertInvalidTokenAsync(response, description);
        AssertNoLibraryText(response);
    }

    [Fact]
    public async Task A_token_signed_by_another_key_under_the_issuer_kid_gets_401_invalid_token()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        using var forger = new IssuerKey(api.Key.Kid);

        using var response = await api.HelloAsync(forger.Sign(ProtectedApi.Header(api.Key.Kid), ProtectedApi.Claims()));

        await AssertInvalidTokenAsync(response, "The token signature is invalid.");
        AssertNoLibraryText(response);
    }

    [Fact]
    public async Task An_expired_token_gets_401_invalid_token()
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var claims = ProtectedApi.Claims(authTime: DateTimeOffset.UtcNow.AddHours(-1));
        claims["iat"] = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds();
        claims["nbf"] = claims["iat"]!.DeepClone();
        claims["exp"] = DateTimeOffset.UtcNow.AddMinutes(-15).ToUnixTimeSeconds();

        using var response = await api.HelloAsync(api.Token(claims));

        await AssertInvalidTokenAsync(response, "The token has expired.");
        AssertNoLibraryText(response);
    }

    [Fact]
    public async Task An_issuer_document_that_is_not_json_is_503_without_library_text()
    {
        var issuer = new FakeIssuer { DiscoveryBody = "{ not json" };
        await using var api = await ProtectedApi.StartAsync(issuer: issuer);

        using var response = await api.HelloAsync(api.Token());

        await AssertUnavailableAsync(response, "not a valid discovery document");
        Assert.DoesNotContain("IDX", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static void AssertNoLibraryText(HttpResponseMessage response)
    {
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(",", h.Value)));
        Assert.DoesNotContain("IDX", headers, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "wrong algorithm", "alg" },
        { "wrong type", "typ" },
        { "issuer with a trailing slash", "iss" },
        { "other audience", "aud" },
        { "no expiry", "exp" },
        { "longer than the issuer's lifetime", "lifetime" },
        { "session begun after issue", "auth_time" },
        { "no session id", "sid" },
        { "unsigned", "none" },
        { "duplicate member", "duplicate" },
        { "critical header", "crit" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Tokens_outside_the_pinned_shape_are_refused(string why, string change)
    {
        await using var api = await ProtectedApi.StartAsync();
        await api.PollAsync();
        var claims = ProtectedApi.Claims();
        var header = ProtectedApi.Header(api.Key.Kid);
        switch (change)
        {
            case "alg": header["alg"] = "ES384"; break;
            case "typ": header["typ"] = "JWT"; break;
            case "iss": claims["iss"] = FakeIssuer.Issuer + "/"; break;
            case "aud": claims["aud"] = "another-api"; break;
            case "exp": claims.Remove("exp"); break;
            case "lifetime": claims["iat"] = DateTimeOffset.UtcNow.AddMinutes(-6).ToUnixTimeSeconds(); claims["auth_time"] = claims["iat"]!.DeepClone(); break;
            case "auth_time": claims["auth_time"] = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds(); break;
            case "sid": claims.Remove("sid"); break;
            case "crit": header["crit"] = new JsonArray("exp"); break;
        }

        var token = change switch
        {
            "none" => ServerlessAuth.UnitTests.TestSupport.TokenForge.Unsigned(new JsonObject { ["alg"] = "none", ["typ"] = "at+jwt" }, claims),
            "duplicate" => DuplicateSub(api, claims, header),
            _ => api.Key.Sign(header, claims),
        };

        using var response = await api.HelloAsync(token);

        await AssertInvalidTokenAsync(response);
        Assert.NotNull(why);
    }

    private static string DuplicateSub(ProtectedApi api, JsonObject claims, JsonObject header)
    {
        var json = claims.ToJsonString();
        var duplicated = json.Insert(1, "\"sub\":\"" + Guid.NewGuid().ToString("N") + "\",");
        var input = ServerlessAuth.UnitTests.TestSupport.TokenForge.Encode(header) + "." + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(duplicated));
        var signature = api.Key.Key.SignData(System.Text.Encoding.ASCII.GetBytes(input), System.Security.Cryptography.HashAlgorithmName.SHA256);
        return input + "." + System.Buffers.Text.Base64Url.EncodeToString(signature);
    }

    [Fact]
    public async Task The_validation_parameters_are_pinned()
    {
        await using var api = await ProtectedApi.StartAsync();
        var jwt = api.App.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var p = jwt.TokenValidationParameters;

        Assert.Equal(["ES256"], p.ValidAlgorithms);
        Assert.Equal(["at+jwt"], p.ValidTypes);
        Assert.True(p.RequireSignedTokens && p.RequireExpirationTime && p.RequireAudience);
        Assert.True(p.ValidateIssuer && p.ValidateAudience && p.ValidateLifetime && p.ValidateIssuerSigningKey);
        Assert.False(p.TryAllIssuerSigningKeys);
        Assert.Same(api.App.Services.GetRequiredService<IssuerMetadata>(), jwt.ConfigurationManager);
        Assert.True(jwt.RefreshOnIssuerKeyNotFound);
        Assert.False(jwt.MapInboundClaims);
        Assert.Equal(FakeIssuer.Issuer, p.IssuerValidator(FakeIssuer.Issuer, null!, p));
        Assert.Throws<Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException>(() => p.IssuerValidator(FakeIssuer.Issuer + "/", null!, p));
        Assert.Throws<Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException>(() => p.IssuerValidator(FakeIssuer.Issuer.ToUpperInvariant(), null!, p));
        Assert.True(p.AudienceValidator([FakeIssuer.Audience], null!, p));
        Assert.False(p.AudienceValidator([FakeIssuer.Audience + "/"], null!, p));
    }

    /// <summary>Advances the fake clock (or just yields) until <paramref name="task"/> completes; bounded, never a timed assertion.</summary>
    private static async Task Eventually(Action step, Task task)
    {
        for (var i = 0; i < 500 && !task.IsCompleted; i++)
        {
            step();
            await Task.WhenAny(task, Task.Delay(10));
        }

        Assert.True(task.IsCompleted, "Did not complete.");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10);
        }
    }
}
