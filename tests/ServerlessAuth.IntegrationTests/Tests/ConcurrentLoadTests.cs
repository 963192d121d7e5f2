using System.Collections.Concurrent;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// 32 concurrent clients with valid tokens, as the load benchmark runs them. A valid token is never
/// refused: no 401, no 500. In Replica mode every answer is 200, since nothing on the path can time
/// out. In Strict mode a request whose storage reads time out fails closed with 503 (and only so).
/// A bounded number of requests, no timing asserted (throughput is in docs/benchmarks.md).
/// </summary>
public abstract class ConcurrentLoadTests(AuthHost host, int requestsPerClient, bool storageOnThePath)
{
    private const int Clients = 32;

    [Fact]
    public async Task Thirty_two_concurrent_clients_with_valid_tokens_get_only_200s()
    {
        var user = await host.AddUserAsync();
        var tokens = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            tokens.Add(await host.Api.GetTokenAsync((await host.Api.LoginAsync(user)).CookieValue));
        }

        var answers = new ConcurrentDictionary<HttpStatusCode, int>();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async client =>
        {
            for (var i = 0; i < requestsPerClient; i++)
            {
                using var me = await host.Api.MeAsync(tokens[client % tokens.Count]);
                answers.AddOrUpdate(me.StatusCode, 1, (_, n) => n + 1);
                if (me.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    await Responses.AssertProblemAsync(me, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                }
            }
        }));

        if (!storageOnThePath)
        {
            Assert.Equal(new Dictionary<HttpStatusCode, int> { [HttpStatusCode.OK] = Clients * requestsPerClient }, answers);
            return;
        }

        Assert.Equal(Clients * requestsPerClient, answers.Values.Sum());
        Assert.All(answers.Keys, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"a valid token got {(int)status}"));
        Assert.True(answers.GetValueOrDefault(HttpStatusCode.OK) > 0, "no request succeeded");
    }
}

/// <summary>Replica mode reads no storage per request.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReplicaConcurrentLoadTests(HostFixture fixture) : ConcurrentLoadTests(fixture.Host, 50, storageOnThePath: false), IClassFixture<HostFixture>;

/// <summary>
/// Strict mode: four point reads per request queue up in Azurite (one Node.js process that answers
/// them one at a time); on a busy machine some wait past the storage client's network timeout and
/// fail closed. On an Azurite of its own, so that other classes' traffic does not add to its queue.
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class StrictConcurrentLoadTests(StrictHostFixture fixture) : ConcurrentLoadTests(fixture.Host, 10, storageOnThePath: true), IClassFixture<StrictHostFixture>;

public sealed class StrictHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string> { ["Revocation:Mode"] = "Strict" };
}
