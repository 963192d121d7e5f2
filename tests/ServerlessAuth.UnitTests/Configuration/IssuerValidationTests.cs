using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.UnitTests.Configuration;

/// <summary>Auth:Issuer is the base URL of the auth endpoints; discovery appends paths to it, so its shape is checked at start.</summary>
public sealed class IssuerValidationTests
{
    private static List<string> Errors(string issuer)
    {
        var options = new AuthOptions { Issuer = issuer, Audience = "api" };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage ?? "")];
    }

    [Theory]
    [InlineData("https://auth.example.com/api/auth")]
    [InlineData("https://localhost:7071/api/auth")]
    [InlineData("http://localhost:7071/api/auth")]
    [InlineData("http://127.0.0.1:7071/api/auth")]
    [InlineData("https://func-api-abc.azurewebsites.net/api/auth")]
    public void The_base_URL_of_the_endpoints_is_accepted(string issuer) => Assert.Empty(Errors(issuer));

    [Theory]
    [InlineData("https://auth.example.com/api/auth/", "ends with a slash")]
    [InlineData("http://auth.example.com/api/auth", "uses http for a host that is not loopback")]
    [InlineData("ftp://auth.example.com/api/auth", "has the scheme 'ftp'")]
    [InlineData("auth.example.com/api/auth", "is not an absolute URL")]
    [InlineData("/api/auth", "is not an absolute URL")]
    [InlineData("https://auth.example.com", "has no path")]
    [InlineData("https://auth.example.com/api/auth?x=1", "a query or a fragment")]
    [InlineData("https://auth.example.com/api/auth#f", "a query or a fragment")]
    [InlineData("https://user@auth.example.com/api/auth", "user information")]
    [InlineData("https://Auth.Example.com/api/auth", "write https://auth.example.com/api/auth")]
    [InlineData("https://auth.example.com:443/api/auth", "write https://auth.example.com/api/auth")]
    public void Anything_else_stops_the_start_with_a_message_naming_the_problem(string issuer, string problem)
    {
        var error = Assert.Single(Errors(issuer));

        Assert.StartsWith("Auth:Issuer must be the absolute https URL of the auth endpoints", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_issuer_gets_the_required_message_only()
    {
        Assert.Equal(["Auth:Issuer is required: the 'iss' value put into and demanded from every token."], Errors(""));
    }
}
