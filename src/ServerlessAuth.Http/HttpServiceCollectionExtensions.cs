using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>Everything the endpoints need; the same call in both hosts.</summary>
    public static IServiceCollection AddServerlessAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessAuthServices(configuration);
        services.AddRevocationFeedFollower();
        services.AddProblemDetails();
        services.AddSingleton<LoginRateLimiter>();
        return services;
    }
}
