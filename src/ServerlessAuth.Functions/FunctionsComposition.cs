using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Http;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Functions;

/// <summary>
/// The Functions app's services, apart from the worker's own: the same composition as the standalone
/// host. A method rather than inline in Program so tests can build it without starting the worker.
/// </summary>
public static class FunctionsComposition
{
    public static IServiceCollection AddServerlessAuthFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddServerlessAuthCore(configuration)
            .AddServerlessAuthTableStorage(configuration)
            .AddServerlessAuthHttp();
        return services;
    }
}
