using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.AspNetCore;

namespace ServerlessAuth.UnitTests.AspNetCore;

public sealed class BearerOptionsTests
{
    private static List<string> Errors(ServerlessAuthBearerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    private static ServerlessAuthBearerOptions Valid() => new()
    {
        Issuer = "https://auth.example.com/api/auth",
        Audience = "orders-api",
        ClientId = "orders-api",
        ClientSecret = "secret",
    };

    [Fact]
    public void Defaults_are_the_issuers_own_bound()
    {
        var options = Valid();

        Assert.Empty(Errors(options));
        Assert.Equal(TimeSpan.FromSeconds(1), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), options.StalenessBound);
        Assert.Null(options.AccessTokenLifetime);
    }

    [Theory]
    [InlineData("https://auth.example.com/api/auth/", "must not end with '/'")]
    [InlineData("http://auth.example.com/api/auth", "must be https")]
    [InlineData("auth.example.com", "absolute https URL")]
    [InlineData("https://auth.example.com/api/auth?x=1", "absolute https URL")]
    public void The_issuer_must_be_an_exact_https_base_url(string issuer, string error)
    {
        var options = Valid();
        options.Issuer = issuer;

        Assert.Contains(Errors(options), e => e.Contains(error, StringComparison.Ordinal));
    }

    [Fact]
    public void The_staleness_bound_must_exceed_the_poll_interval()
    {
        var options = Valid();
        options.StalenessBound = TimeSpan.FromSeconds(1);

        Assert.Contains(Errors(options), e => e.Contains("StalenessBound must be longer", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_credentials_are_required()
    {
        var options = Valid();
        options.ClientId = "";
        options.ClientSecret = "";

        Assert.Equal(2, Errors(options).Count(e => e.Contains("clients add", StringComparison.Ordinal)));
    }
}

public sealed class BearerOptionsBindingTests
{
    [Fact]
    public void The_section_overload_binds_every_setting_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ServerlessAuth:Issuer"] = "https://auth.example.com/api/auth",
            ["ServerlessAuth:Audience"] = "orders-api",
            ["ServerlessAuth:ClientId"] = "orders-api",
            ["ServerlessAuth:ClientSecret"] = "secret",
            ["ServerlessAuth:PollInterval"] = "00:00:00.500",
            ["ServerlessAuth:StalenessBound"] = "00:00:05",
            ["ServerlessAuth:AccessTokenLifetime"] = "00:05:00",
            ["ServerlessAuth:HttpTimeout"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        services.AddAuthentication().AddServerlessAuthBearer(configuration.GetSection(ServerlessAuthBearerOptions.SectionName));

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ServerlessAuthBearerOptions>>().Value;

        Assert.Equal("https://auth.example.com/api/auth", options.Issuer);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), options.StalenessBound);
        Assert.Equal(TimeSpan.FromMinutes(5), options.AccessTokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(2), options.HttpTimeout);
        Assert.Equal(new Uri("https://auth.example.com/api/auth/.well-known/openid-configuration"), options.DiscoveryAddress);
    }
}
