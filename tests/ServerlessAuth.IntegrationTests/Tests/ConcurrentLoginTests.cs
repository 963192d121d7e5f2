using System.Collections.Concurrent;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Logins under load with the real PBKDF2 cost (210,000 iterations). Unbounded, 100 concurrent logins took
/// every core and the storage calls around them timed out: healthy storage answered 503
/// <c>temporarily_unavailable</c>. With the hashing gate, a login either succeeds or is refused by the gate
/// (503 <c>busy</c>, or 429, with Retry-After); none is a storage failure. Counts only, no timing asserted.
/// </summary>
[Collection(LoginLoadCollection.Name)]
public sealed class ConcurrentLoginTests(RealHashCostHostFixture fixture) : IClassFixture<RealHashCostHostFixture>
{
    private const int Clients = 100;

    [Fact]
    public async Task A_hundred_concurrent_correct_logins_of_one_user_succeed_or_get_the_gates_answer_never_a_storage_failure()
    {
        var host = fixture.Host;
        var user = await host.AddUserAsync();
        var answers = new ConcurrentDictionary<string, int>();
        var unexpected = new ConcurrentQueue<string>();

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            using var response = await host.Api.LoginJsonAsync(user.Username, TestSettings.Password);
            var body = await response.Content.ReadAsStringAsync();
            var key = $"{(int)response.StatusCode}";
            if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
            {
                var problem = System.Text.Json.JsonDocument.Parse(body).RootElement;
                key += " " + problem.GetProperty("code").GetString();
                if (response.Headers.RetryAfter?.Delta is not { } wait || wait < TimeSpan.FromSeconds(1))
                {
                    unexpected.Enqueue($"{key} without Retry-After");
                }
            }

            answers.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (key is not ("200" or "503 busy" or "429 too_many_attempts"))
            {
                unexpected.Enqueue($"{key}: {body}");
            }
        }));

        var summary = string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} x{a.Value}"));
        Assert.True(unexpected.IsEmpty, $"{summary}; unexpected: {string.Join(" | ", unexpected.Take(5))}");
        Assert.Equal(Clients, answers.Values.Sum());
        Assert.True(answers.GetValueOrDefault("200") > 0, summary);
    }

    [Fact]
    public void The_decoy_hash_was_made_before_the_first_login()
    {
        // This class's host has served no unknown-user login; the decoy exists from start-up.
        Assert.True(fixture.Host.Service<PasswordAuthenticator>().IsWarm);
    }
}

/// <summary>One hashing permit and no wait: a login that finds the permit taken is refused by the gate at once.</summary>
[Collection(LoginLoadCollection.Name)]
public sealed class LoginHashGateTests(OnePermitHostFixture fixture) : IClassFixture<OnePermitHostFixture>
{
    [Fact]
    public async Task Logins_beyond_the_one_permit_get_503_busy_with_retry_after_and_no_failure_counted()
    {
        var host = fixture.Host;
        var user = await host.AddUserAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => host.Api.LoginJsonAsync(user.Username, TestSettings.Password)));
        try
        {
            var busy = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(busy);
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"got {(int)r.StatusCode}"));
            foreach (var response in busy)
            {
                var problem = await Responses.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, "busy");
                Assert.Equal("Server busy", problem.GetProperty("title").GetString());
                Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
                Responses.AssertNoSessionCookie(response);
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        // A refusal by the gate checked no password, so it counted no failure: the account is not locked.
        await host.Api.LoginAsync(user);
    }
}

public sealed class RealHashCostHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:PasswordHashIterations"] = "210000",
    };
}

public sealed class OnePermitHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:PasswordHashIterations"] = "210000",
        ["Auth:PasswordHashConcurrency"] = "1",
        ["Auth:PasswordHashQueueTimeout"] = "00:00:00",
    };
}
