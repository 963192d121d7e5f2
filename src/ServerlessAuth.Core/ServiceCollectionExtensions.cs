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
    /// <summary>
    /// Options and services of the core; stores, the feed and the key source are added by the storage
    /// layer. Serving hosts also add <see cref="AddRevocationFeedFollower"/>.
    /// </summary>
    public static IServiceCollection AddServerlessAuthCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, RefreshGraceValidation>();
        services.AddOptions<SigningKeyOptions>().Bind(configuration.GetSection(SigningKeyOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RevocationOptions>().Bind(configuration.GetSection(RevocationOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Audit.AuditOptions>().Bind(configuration.GetSection(Audit.AuditOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IPasswordHasher<UserAccount>>(sp => new PasswordHasher<UserAccount>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = sp.GetRequiredService<IOptions<AuthOptions>>().Value.PasswordHashIterations,
        })));
        services.AddSingleton<PasswordHashGate>();
        services.AddSingleton<PasswordAuthenticator>();
        services.AddSingleton<UserAdministration>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<AccessTokenValidator>();
        services.AddSingleton<TokenRevocationCheck>();
        services.AddSingleton<RevocationWindow>();
        services.AddSingleton<RevocationReplica>();
        services.AddSingleton<RevocationFeedFollower>();
        services.AddSingleton<LogoutService>();
        services.AddSingleton<Introspection.TokenIntrospection>();
        services.AddSingleton<Clients.ClientAuthenticator>();
        services.AddSingleton<Clients.ClientAdministration>();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<ISigningKeyProvider, SigningKeyCache>();
        services.AddSingleton<ISigningKeyRefresh>(sp => sp.GetRequiredService<ISigningKeyProvider>());
        services.AddSingleton<IRevocationFeedReader>(sp => sp.GetRequiredService<IRevocationFeed>());
        services.AddSingleton<KeyRotation>();
        services.AddSingleton<Lockout.AccountLockout>();
        services.AddMetrics();
        services.TryAddSingleton<Telemetry.AuthMetrics>();
        return services;
    }

    /// <summary>
    /// The background poll that keeps this instance's revocation replica current, and the replica's
    /// share of this instance's own publishes (<see cref="LocallyAppliedRevocationFeed"/>). Serving hosts
    /// only, not the admin CLI; after the storage layer has added the feed.
    /// </summary>
    public static IServiceCollection AddRevocationFeedFollower(this IServiceCollection services)
    {
        services.AddHostedService(sp => sp.GetRequiredService<RevocationFeedFollower>());

        // Wraps the feed the storage layer has added; a composition without one has nothing to wrap.
        if (services.LastOrDefault(d => d.ServiceType == typeof(IRevocationFeed) && !d.IsKeyedService) is not { } stored)
        {
            return services;
        }

        Func<IServiceProvider, IRevocationFeed> create = stored switch
        {
            { ImplementationInstance: IRevocationFeed instance } => _ => instance,
            { ImplementationFactory: { } factory } => sp => (IRevocationFeed)factory(sp),
            _ => sp => (IRevocationFeed)ActivatorUtilities.CreateInstance(sp, stored.ImplementationType!),
        };
        services.Remove(stored);
        services.AddSingleton<IRevocationFeed>(sp => new LocallyAppliedRevocationFeed(
            create(sp), sp.GetRequiredService<RevocationReplica>(), sp.GetRequiredService<ISigningKeyRefresh>()));
        return services;
    }

    /// <summary>The decoy hash made at start-up, before the first login (serving hosts only, not the admin CLI).</summary>
    public static IServiceCollection AddDecoyHashWarmUp(this IServiceCollection services)
    {
        services.AddHostedService(sp => new DecoyHashWarmUp(sp.GetRequiredService<PasswordAuthenticator>()));
        return services;
    }
}
