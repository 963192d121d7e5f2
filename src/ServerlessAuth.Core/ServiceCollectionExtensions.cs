using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ServerlessAuth.Logout;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Tokens;
using ServerlessAuth.Users;

namespace ServerlessAuth;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Options and services of the core; stores and the key source are added by the storage layer.</summary>
    public static IServiceCollection AddServerlessAuthCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SigningKeyOptions>().Bind(configuration.GetSection(SigningKeyOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPasswordHasher<UserAccount>>(sp => new PasswordHasher<UserAccount>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = sp.GetRequiredService<IOptions<AuthOptions>>().Value.PasswordHashIterations,
        })));
        services.AddSingleton<PasswordAuthenticator>();
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<TokenRevocationCheck>();
        services.AddSingleton<LogoutService>();
        services.AddSingleton<ISigningKeyProvider, SigningKeyCache>();
        services.AddSingleton<KeyRotation>();
        services.AddSingleton<Lockout.AccountLockout>();
        services.AddMetrics();
        services.TryAddSingleton<Telemetry.AuthMetrics>();
        return services;
    }
}
