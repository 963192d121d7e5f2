using System.Collections.Concurrent;
using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// 32 concurrent clients with valid tokens, as the load benchmark runs them: every answer is 200, in
/// both modes. A bounded number of requests, no timing asserted (throughput is in docs/benchmarks.md).
/// </summary>
public abstract class ConcurrentLoadTests(AuthHost host, int requestsPerClient)
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
            }
        }));

        Assert.Equal(new Dictionary<HttpStatusCode, int> { [HttpStatusCode.OK] = Clients * requestsPerClient }, answers);
    }
}

/// <summary>Replica mode reads no storage per request.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReplicaConcurrentLoadTests(HostFixture fixture) : ConcurrentLoadTests(fixture.Host, 50), IClassFixture<HostFixture>;

/// <summary>
/// Strict mode: four point reads per request queue up in Azurite (one Node.js process), so on an
/// Azurite of its own, with fewer requests and the longest storage timeout: what is checked is that
/// valid tokens are never refused, not how fast Azurite drains its queue on a busy machine (with the
/// default 5 s timeout such a queue makes some requests fail closed with 503; docs/benchmarks.md).
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class StrictConcurrentLoadTests(StrictHostFixture fixture) : ConcurrentLoadTests(fixture.Host, 10), IClassFixture<StrictHostFixture>;

public sealed class StrictHostFixture(AzuriteFixture azurite) : ConfiguredHostFixture(azurite)
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Revocation:Mode"] = "Strict",
        ["AuthStorage:OperationTimeout"] = "00:01:00",
    };
}
