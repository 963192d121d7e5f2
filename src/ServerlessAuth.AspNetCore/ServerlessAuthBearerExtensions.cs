using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.AspNetCore;

public static class ServerlessAuthBearerExtensions
{
    /// <summary>The named <see cref="HttpClient"/> for every call to the issuer (add handlers to it, e.g. a proxy).</summary>
    public const string HttpClientName = "ServerlessAuth";

    /// <summary>
    /// JwtBearer for ServerlessAuth access tokens, with settings from <paramref name="section"/>
    /// (usually <c>builder.Configuration.GetSection("ServerlessAuth")</c>).
    /// </summary>
    public static AuthenticationBuilder AddServerlessAuthBearer(this AuthenticationBuilder builder, IConfiguration section,
        string authenticationScheme = JwtBearerDefaults.AuthenticationScheme)
    {
        builder.Services.AddOptions<ServerlessAuthBearerOptions>().Bind(section);
        return builder.AddServerlessAuthBearerCore(authenticationScheme);
    }

    /// <summary>JwtBearer for ServerlessAuth access tokens, with settings given in code.</summary>
    public static AuthenticationBuilder AddServerlessAuthBearer(this AuthenticationBuilder builder, Action<ServerlessAuthBearerOptions> configure,
        string authenticationScheme = JwtBearerDefaults.AuthenticationScheme)
    {
        builder.Services.AddOptions<ServerlessAuthBearerOptions>().Configure(configure);
        return builder.AddServerlessAuthBearerCore(authenticationScheme);
    }

    private static AuthenticationBuilder AddServerlessAuthBearerCore(this AuthenticationBuilder builder, string authenticationScheme)
    {
        var services = builder.Services;
        services.AddOptions<ServerlessAuthBearerOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(HttpClientName, (sp, client) =>
        {
            client.Timeout = sp.GetRequiredService<IOptions<ServerlessAuthBearerOptions>>().Value.HttpTimeout;
        });
        services.TryAddSingleton<IssuerMetadata>();
        services.TryAddSingleton<RevocationsEndpoint>();
        services.TryAddSingleton<BearerRevocationState>();
        services.TryAddSingleton<ServerlessAuthTokenCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<BearerRevocationState>().Follower);
        services.AddHealthChecks().AddCheck<ServerlessAuthHealthCheck>(ServerlessAuthHealthCheck.Name);

        services.AddOptions<JwtBearerOptions>(authenticationScheme)
            .Configure<IOptions<ServerlessAuthBearerOptions>, IssuerMetadata>((jwt, settings, metadata) => Pin(jwt, settings.Value, metadata));
        return builder.AddJwtBearer(authenticationScheme, _ => { });
    }

    /// <summary>
    /// Everything a token must be, fixed here: ES256 only, type <c>at+jwt</c>, issuer and audience compared
    /// exactly, signed with a key of the issuer's JWKS named by its <c>kid</c>, with an expiry.
    /// </summary>
    internal static void Pin(JwtBearerOptions jwt, ServerlessAuthBearerOptions settings, IssuerMetadata metadata)
    {
        jwt.ConfigurationManager = metadata;
        jwt.RefreshOnIssuerKeyNotFound = true;
        jwt.RequireHttpsMetadata = settings.RequireHttps;
        jwt.MapInboundClaims = false;
        jwt.IncludeErrorDetails = true;
        jwt.SaveToken = false;
        jwt.TokenHandlers.Clear();
        jwt.TokenHandlers.Add(new JsonWebTokenHandler { MapInboundClaims = false, MaximumTokenSizeInBytes = AccessTokenShape.MaxLength });
        jwt.Events = ServerlessAuthBearerEvents.Create();
        jwt.TokenValidationParameters = Parameters(settings);
    }

    internal static TokenValidationParameters Parameters(ServerlessAuthBearerOptions settings)
    {
        var parameters = AccessTokenShape.PinnedParameters(settings.Issuer, settings.Audience, settings.ClockSkew);
        parameters.ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256];
        parameters.NameClaimType = AccessTokenShape.Claims.Name;
        parameters.RoleClaimType = "roles";
        return parameters;
    }
}
