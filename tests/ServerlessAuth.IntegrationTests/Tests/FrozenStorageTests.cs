using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Storage that hangs rather than refuses (Azurite suspended with SIGSTOP, data kept): every answer that needs
/// it is a 503 with Retry-After within the storage timeout, never a 500 or a hang; a protected request fails
/// closed once the replica is stale; and once storage resumes, the interrupted logout is simply repeated and
/// nothing is lost.
/// </summary>
[Collection(FreezeCollection.Name)]
public sealed class FrozenStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task While_storage_hangs_every_answer_is_503_with_Retry_After_and_once_it_resumes_nothing_is_lost()
    {
        await using var host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions());
        var user = await host.AddUserAsync();
        var login = await host.Api.LoginAsync(user);
        var token = await host.Api.GetTokenAsync(login.CookieValue);
        await host.Api.GetMeAsync(token);

        await azurite.FreezeAsync();
        try
        {
            var answers = await Task.WhenAll(
                host.Api.LoginJsonAsync(user.Username, TestSettings.Password),
                host.Api.TokenAsync(login.CookieValue),
                host.Api.LogoutAsync(login.CookieValue, token));
            foreach (var answer in answers)
            {
                using (answer)
                {
                    await Responses.AssertProblemAsync(answer, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
                    Assert.NotNull(answer.Headers.RetryAfter?.Delta);
                }
            }

            // Once the feed has not been read for the staleness bound, the token's state cannot be proven: 503, never a
            // stale yes and never a 500. Until then the replica answers (200).
            await Eventually.HoldsAsync(async () =>
            {
                using var me = await host.Api.MeAsync(token);
                Assert.True(me.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/me answered {(int)me.StatusCode}");
                Assert.True(me.StatusCode == HttpStatusCode.OK || me.Headers.RetryAfter?.Delta is not null, "a 503 without Retry-After");
                return me.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, TimeSpan.FromSeconds(15), "a protected request fails closed once the replica is stale", TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            await azurite.ThawAsync();
        }

        // The client repeats the logout it was refused: it ends the session and revokes the token.
        using (var again = await host.Api.LogoutAsync(login.CookieValue, token))
        {
            await Responses.AssertStatusAsync(again, HttpStatusCode.OK, "the repeated logout");
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var me = await host.Api.MeAsync(token);
            return me.StatusCode != HttpStatusCode.ServiceUnavailable;
        }, TimeSpan.FromSeconds(10), "the replica is current again once storage resumes", TimeSpan.FromMilliseconds(100));
        using (var me = await host.Api.MeAsync(token))
        {
            await Responses.AssertInvalidTokenAsync(me);
        }

        using (var ended = await host.Api.TokenAsync(login.CookieValue))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        }

        // The account came through whole: the same password still signs in and buys a working token.
        var fresh = await host.Api.LoginAsync(user);
        await host.Api.GetMeAsync(await host.Api.GetTokenAsync(fresh.CookieValue));
    }
}
