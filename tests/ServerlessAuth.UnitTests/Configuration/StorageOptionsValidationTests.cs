using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.UnitTests.Configuration;

public sealed class StorageOptionsValidationTests
{
    private static string? ValidationError(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddServerlessAuthCore(configuration).AddServerlessAuthTableStorage(configuration).BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex.Message;
        }
    }

    [Fact]
    public void Both_storage_settings_set_says_to_set_only_one()
    {
        var error = ValidationError(new()
        {
            ["AuthStorage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["AuthStorage:TableServiceUri"] = "https://account.table.core.windows.net",
        });

        Assert.NotNull(error);
        Assert.Contains("both set; set only one", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Neither_storage_setting_names_both()
    {
        var error = ValidationError([]);

        Assert.NotNull(error);
        Assert.Contains("AuthStorage:ConnectionString", error, StringComparison.Ordinal);
        Assert.Contains("AuthStorage:TableServiceUri", error, StringComparison.Ordinal);
        Assert.DoesNotContain("both set", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AuthStorage:ConnectionString", "UseDevelopmentStorage=true")]
    [InlineData("AuthStorage:TableServiceUri", "https://account.table.core.windows.net")]
    public void Either_one_alone_is_valid(string name, string value) =>
        Assert.Null(ValidationError(new() { [name] = value }));
}
