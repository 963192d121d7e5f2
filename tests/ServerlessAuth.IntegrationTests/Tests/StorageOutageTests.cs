using System.Net;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// Takes the collection's Azurite away and brings it back on the same port. Its in-memory data is
/// lost, so this class recreates its own tables; other classes create theirs when they start.
/// </summary>
[Collection(AzuriteCollection.Name)]
public abstract class StorageOutageTests(HostFixture fixture, AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_is_503_while_storage_is_down_and_200_once_it_is_back()
    {
        using (var healthy = await fixture.Api.HealthAsync())
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        await azurite.StopAsync();
        try
        {
            Assert.False(azurite.IsRunning);
            using var down = await fixture.Api.HealthAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            var body = await Responses.ReadJsonAsync(down);
            Assert.Equal("unhealthy", body.GetProperty("status").GetString());
            Assert.NotEqual("reachable", body.GetProperty("checks").GetProperty("storage").GetString());
        }
        finally
        {
            await azurite.StartAsync();
        }

        Assert.True(azurite.IsRunning);
        await fixture.Host.App.EnsureTablesAsync();
        using var back = await fixture.Api.HealthAsync();
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class StorageOutageTestsOnAspNetCore(HostFixture fixture, AzuriteFixture azurite) : StorageOutageTests(fixture, azurite), IClassFixture<HostFixture>;

[Collection(FunctionsCollection.Name)]
public sealed class StorageOutageTestsOnFunctions(FunctionsHostFixture fixture, AzuriteFixture azurite) : StorageOutageTests(fixture, azurite), IClassFixture<FunctionsHostFixture>;
