using System.Collections.Concurrent;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>Many parallel logins, token requests and logouts on one user; afterwards exactly what was ended is refused.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConcurrencyTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const int Logins = 20;
    private const int TokensPerSession = 2;
    private const int LocallyLoggedOut = 10;

    private AuthApiClient Api => fixture.Api;

    private readonly ConcurrentQueue<(string Call, HttpStatusCode Status, string Body)> _answers = new();

    private async Task<HttpResponseMessage> RecordAsync(string call, Task<HttpResponseMessage> sending)
    {
        var response = await sending;
        _answers.Enqueue((call, response.StatusCode, await response.Content.ReadAsStringAsync()));
        return response;
    }

    [Fact]
    public async Task Parallel_logins_tokens_and_logouts_leave_exactly_the_ended_sessions_and_revoked_tokens_refused()
    {
        var user = await fixture.Host.AddUserAsync();

        // 20 logins at once.
        var logins = await Task.WhenAll(Enumerable.Range(0, Logins).Select(async _ =>
        {
            using var response = await RecordAsync("login", Api.LoginJsonAsync(user.Username, TestSettings.Password));
            await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "parallel login");
            return Responses.SessionCookie(response).Value;
        }));
        Assert.Equal(Logins, logins.Distinct().Count());
        Assert.Equal(Logins, logins.Select(c => c.Split('.')[1]).Distinct().Count());

        // 40 token requests at once, two per session.
        var tokens = await Task.WhenAll(Enumerable.Range(0, Logins * TokensPerSession).Select(async i =>
        {
            var cookie = logins[i % Logins];
            using var response = await RecordAsync("token", Api.TokenAsync(cookie));
            await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "parallel token");
            var token = (await Responses.ReadJsonAsync(response)).GetProperty("access_token").GetString()!;
            return (Cookie: cookie, Token: token);
        }));
        Assert.Equal(tokens.Length, tokens.Select(t => Jwt.Decode(t.Token).Payload.GetProperty("jti").GetString()).Distinct().Count());
        var tokensOf = tokens.GroupBy(t => t.Cookie).ToDictionary(g => g.Key, g => g.Select(t => t.Token).ToList());

        // Every one of them works, checked at once.
        await Task.WhenAll(tokens.Select(async t =>
        {
            using var response = await RecordAsync("me", Api.MeAsync(t.Token));
            await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "me before any logout");
        }));

        // Local logout of half the sessions at once, each with its cookie and its first token.
        var ended = logins.Take(LocallyLoggedOut).ToList();
        var kept = logins.Skip(LocallyLoggedOut).ToList();
        await Task.WhenAll(ended.Select(async cookie =>
        {
            using var response = await RecordAsync("logout local", Api.LogoutAsync(cookie, tokensOf[cookie][0], "local"));
            await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "parallel local logout");
            var body = await Responses.ReadJsonAsync(response);
            Assert.Equal(1, body.GetProperty("sessionsEnded").GetInt32());
            Assert.True(body.GetProperty("tokenRevoked").GetBoolean());
        }));

        // Replica mode: the refusals hold once the instance has polled the feed since the logouts.
        await fixture.Host.CaughtUpAsync();

        // Meanwhile-style traffic on the kept sessions, in parallel with the checks of the ended ones.
        await Task.WhenAll(
            Task.WhenAll(ended.SelectMany(cookie => tokensOf[cookie]).Select(async token =>
            {
                using var response = await RecordAsync("me ended", Api.MeAsync(token));
                await Responses.AssertInvalidTokenAsync(response);
            })),
            Task.WhenAll(ended.Select(async cookie =>
            {
                using var response = await RecordAsync("token ended", Api.TokenAsync(cookie));
                await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
            })),
            Task.WhenAll(kept.SelectMany(cookie => tokensOf[cookie]).Select(async token =>
            {
                using var response = await RecordAsync("me kept", Api.MeAsync(token));
                await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "me on a session that was not logged out");
            })),
            Task.WhenAll(kept.Select(async cookie =>
            {
                using var response = await RecordAsync("token kept", Api.TokenAsync(cookie));
                await Responses.AssertStatusAsync(response, HttpStatusCode.OK, "token on a session that was not logged out");
                tokensOf[cookie].Add((await Responses.ReadJsonAsync(response)).GetProperty("access_token").GetString()!);
            })));

        // One global logout from a kept session, racing more token requests on the others.
        var racing = kept.Skip(1).Select(async cookie =>
        {
            using var response = await RecordAsync("token during global", Api.TokenAsync(cookie));
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"token during global logout: {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                // One task per cookie: each list has a single writer.
                tokensOf[cookie].Add((await Responses.ReadJsonAsync(response)).GetProperty("access_token").GetString()!);
            }
        }).ToList();
        using (var global = await RecordAsync("logout global", Api.LogoutAsync(kept[0], tokensOf[kept[0]][0], "global")))
        {
            await Responses.AssertStatusAsync(global, HttpStatusCode.OK, "global logout");
            var body = await Responses.ReadJsonAsync(global);
            Assert.True(body.GetProperty("allTokensRevoked").GetBoolean());
            Assert.InRange(body.GetProperty("sessionsEnded").GetInt32(), 1, kept.Count);
        }

        await Task.WhenAll(racing);

        // Afterwards (once the replica has polled): every token ever issued is refused, and every session is ended.
        await fixture.Host.CaughtUpAsync();
        await Task.WhenAll(tokensOf.Values.SelectMany(t => t).Select(async token =>
        {
            using var response = await RecordAsync("me after global", Api.MeAsync(token));
            await Responses.AssertInvalidTokenAsync(response);
        }));
        await Task.WhenAll(logins.Select(async cookie =>
        {
            using var response = await RecordAsync("token after global", Api.TokenAsync(cookie));
            await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "no_session");
        }));

        var failures = _answers.Where(a => (int)a.Status >= 500).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {_answers.Count} answers were 5xx; first: {failures.FirstOrDefault()}");

        // And the user can still log in.
        var fresh = await Api.LoginAsync(user);
        await Api.GetMeAsync(await Api.GetTokenAsync(fresh.CookieValue));
    }
}
