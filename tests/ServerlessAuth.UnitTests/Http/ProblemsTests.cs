using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ServerlessAuth.Http;

namespace ServerlessAuth.UnitTests.Http;

public sealed class ProblemsTests
{
    /// <summary>Every factory of <see cref="Problems"/>, called with placeholder arguments.</summary>
    public static TheoryData<string> Factories => [.. typeof(Problems).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Where(m => m.ReturnType == typeof(IResult)).Select(m => m.Name)];

    private static (ProblemHttpResult Problem, HttpContext Context) Call(string name)
    {
        var method = typeof(Problems).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        var context = new DefaultHttpContext();
        var arguments = method.GetParameters().Select(p => p.ParameterType switch
        {
            var t when t == typeof(HttpContext) => context,
            var t when t == typeof(string) => (object)"x",
            var t when t == typeof(TimeSpan) => TimeSpan.FromSeconds(3),
            var t => throw new InvalidOperationException($"No placeholder for {t} in Problems.{name}."),
        }).ToArray();
        return (Assert.IsType<ProblemHttpResult>(method.Invoke(null, arguments)), context);
    }

    [Theory]
    [MemberData(nameof(Factories))]
    public void Every_problem_has_a_type_a_title_and_a_code(string name)
    {
        var (result, _) = Call(name);

        Assert.False(string.IsNullOrEmpty(result.ProblemDetails.Type), $"Problems.{name} ({result.StatusCode}) has no type.");
        Assert.False(string.IsNullOrEmpty(result.ProblemDetails.Title));
        Assert.True(result.ProblemDetails.Extensions.ContainsKey("code"));
    }

    [Theory]
    [MemberData(nameof(Factories))]
    public void Every_401_carries_a_challenge(string name)
    {
        var (result, context) = Call(name);

        if (result.StatusCode == StatusCodes.Status401Unauthorized)
        {
            Assert.False(string.IsNullOrEmpty(context.Response.Headers.WWWAuthenticate.ToString()), $"Problems.{name} is a 401 without WWW-Authenticate.");
        }
    }

    [Fact]
    public void The_429_has_the_RFC_6585_type()
    {
        var (result, context) = Call(nameof(Problems.TooManyAttempts));

        Assert.Equal(StatusCodes.Status429TooManyRequests, result.StatusCode);
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", result.ProblemDetails.Type);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
    }
}
