using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.AspNetCore;

/// <summary>What the API uses of the issuer's discovery document and JWKS.</summary>
public sealed record IssuerDocument(
    OpenIdConnectConfiguration Configuration,
    Uri RevocationsEndpoint,
    Uri IntrospectionEndpoint,
    TimeSpan AccessTokenLifetime);

/// <summary>
/// JwtBearer's configuration manager for one ServerlessAuth issuer: the discovery document and its
/// JWKS, cached, re-read in the background every <see cref="ServerlessAuthBearerOptions.KeyRefreshInterval"/>.
/// Written here rather than taking IdentityModel's <c>ConfigurationManager</c>, whose refresh requests are
/// dropped while a refresh is running (one that may have read the keys before a rotation) and limited to one
/// per <c>RefreshInterval</c>: an emergency rotation's <c>signing_keys_changed</c> event must always lead
/// to a read that starts after it. Two kinds of refresh request:
/// <list type="bullet">
/// <item>JwtBearer's (<see cref="IConfigurationManager{T}.RequestRefresh"/>, a token with an unknown
/// <c>kid</c>): at most one per <see cref="ServerlessAuthBearerOptions.UnknownKeyRefreshCooldown"/>, since anyone can send such a token;</item>
/// <item>the feed's (<see cref="ISigningKeyRefresh.RequestRefresh"/>): always, and once more after a read in flight.</item>
/// </list>
/// Failures keep the last good document; with none, callers get <see cref="ServerlessAuthUnavailableException"/>.
/// </summary>
public sealed partial class IssuerMetadata(
    IHttpClientFactory httpClients,
    IOptions<ServerlessAuthBearerOptions> options,
    TimeProvider time,
    ILogger<IssuerMetadata> logger) : IConfigurationManager<OpenIdConnectConfiguration>, ISigningKeyRefresh
{
    public const string LifetimeMember = "serverlessauth_access_token_lifetime";
    public const string RevocationsMember = "serverlessauth_revocations_endpoint";
    public const string IntrospectionMember = "introspection_endpoint";

    private readonly CoalescedReload _reload = new();
    private volatile IssuerDocument? _current;
    private volatile ServerlessAuthUnavailableException? _lastFailure;
    private long _loadedAt = long.MinValue;
    private long _lastUnknownKeyRefresh = long.MinValue;
    private long _failedAt = long.MinValue;

    /// <summary>After a failed read, the next is tried this much later.</summary>
    private TimeSpan RetryDelay => TimeSpan.FromTicks(Math.Max(options.Value.UnknownKeyRefreshCooldown.Ticks, TimeSpan.TicksPerSecond));

    /// <summary>The last good document, if any (for the lifetime check and the health check).</summary>
    public IssuerDocument? Current => _current;

    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel) =>
        (await GetAsync(cancel)).Configuration;

    /// <exception cref="ServerlessAuthUnavailableException">No document could be read yet.</exception>
    public async ValueTask<IssuerDocument> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } current)
        {
            if (time.GetUtcNow().UtcTicks - Volatile.Read(ref _loadedAt) >= options.Value.KeyRefreshInterval.Ticks)
            {
                _ = StartLoad(force: false); // in the background: the cached document answers
            }

            return current;
        }

        // Nothing read yet and the last try just failed: answer from that failure instead of calling again per request.
        if (_lastFailure is { } failure && time.GetUtcNow().UtcTicks - Volatile.Read(ref _failedAt) < RetryDelay.Ticks)
        {
            throw failure;
        }

        await StartLoad(force: false).WaitAsync(cancellationToken);
        return _current ?? throw _lastFailure ?? new ServerlessAuthUnavailableException($"The discovery document at {options.Value.DiscoveryAddress} could not be read.");
    }

    /// <summary>The document once the read in flight (if any) has finished, bounded by the HTTP timeout.</summary>
    public async ValueTask<IssuerDocument?> AfterRefreshAsync(CancellationToken cancellationToken)
    {
        if (_reload.Current is { IsCompleted: false } load)
        {
            // Never throws (the load keeps its failures); the timeout only ends the wait.
            await load.WaitAsync(options.Value.HttpTimeout, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        return _current;
    }

    /// <summary>JwtBearer: a token named an unknown <c>kid</c>. Rate-limited.</summary>
    void IConfigurationManager<OpenIdConnectConfiguration>.RequestRefresh()
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = Volatile.Read(ref _lastUnknownKeyRefresh);
        if (last == long.MinValue || now - last >= options.Value.UnknownKeyRefreshCooldown.Ticks)
        {
            Volatile.Write(ref _lastUnknownKeyRefresh, now);
            _ = StartLoad(force: true);
        }
    }

    /// <summary>The revocation feed reported changed signing keys: read them now, and again for a while.</summary>
    void ISigningKeyRefresh.RequestRefresh()
    {
        _ = StartLoad(force: true);
        _ = ReadAgainAfterKeyChangeAsync();
    }

    /// <summary>
    /// The instance that answers may not have seen the event yet: it re-reads its own key ring only at its
    /// next poll, and serves the old JWKS until then. Read once per poll interval until every instance of
    /// the issuer has either seen the event or turned stale (its staleness bound), so the new key set is
    /// had about one poll after the issuer has it.
    /// </summary>
    private async Task ReadAgainAfterKeyChangeAsync()
    {
        var settings = options.Value;
        var until = time.GetUtcNow() + settings.StalenessBound + settings.PollInterval;
        while (time.GetUtcNow() < until)
        {
            await Task.Delay(settings.PollInterval, time);
            await StartLoad(force: true);
        }
    }

    /// <summary>The one load in flight; a forced request during a load runs one more after it.</summary>
    private Task StartLoad(bool force) => _reload.Start(force, LoadOnceAsync);

    /// <summary>Never throws: the outcome is the new document or the failure kept for callers with none.</summary>
    private async Task LoadOnceAsync()
    {
        var settings = options.Value;
        var started = time.GetUtcNow();
        using var timeout = new CancellationTokenSource(settings.HttpTimeout, time);
        try
        {
            var retriever = new IssuerDocumentRetriever(httpClients.CreateClient(ServerlessAuthBearerExtensions.HttpClientName), settings.RequireHttps);
            var configuration = await OpenIdConnectConfigurationRetriever
                .GetAsync(settings.DiscoveryAddress.AbsoluteUri, retriever, timeout.Token)
                .WaitAsync(timeout.Token);
            _current = Read(configuration, settings);
            Volatile.Write(ref _loadedAt, started.UtcTicks);
            _lastFailure = null;
        }
        catch (Exception ex)
        {
            // The reason goes out in 503 answers: ours only, never the text of IdentityModel or the HTTP stack.
            var reason = ex switch
            {
                OperationCanceledException => $"no answer within {settings.HttpTimeout.TotalSeconds:0.#} s",
                IssuerDocumentException => ex.Message,
                HttpRequestException => "the connection failed",
                _ => "the answer is not a valid discovery document or JWKS",
            };
            _lastFailure = new ServerlessAuthUnavailableException($"The issuer's discovery document at {settings.DiscoveryAddress} could not be read: {reason}", ex);
            // Keep the last good document, and try again after the retry delay rather than a whole interval later.
            Volatile.Write(ref _failedAt, started.UtcTicks);
            if (_current is not null)
            {
                Volatile.Write(ref _loadedAt, (started - settings.KeyRefreshInterval + RetryDelay).UtcTicks);
            }

            LogLoadFailed(logger, settings.DiscoveryAddress.AbsoluteUri, ex.GetType().Name, ex.Message);
        }
    }

    /// <summary>
    /// Checks the document against the settings and keeps only what may validate: P-256 keys for ES256.
    /// Every URL that gets the client secret must lie under the issuer.
    /// </summary>
    public static IssuerDocument Read(OpenIdConnectConfiguration configuration, ServerlessAuthBearerOptions settings)
    {
        if (!string.Equals(configuration.Issuer, settings.Issuer, StringComparison.Ordinal))
        {
            throw new IssuerDocumentException($"the document names the issuer '{configuration.Issuer}', not '{settings.Issuer}'");
        }

        var keys = configuration.SigningKeys.Where(IsEs256Key).ToList();
        configuration.SigningKeys.Clear();
        foreach (var key in keys)
        {
            configuration.SigningKeys.Add(key);
        }

        var lifetime = settings.AccessTokenLifetime ?? ReadSeconds(configuration, LifetimeMember);
        return new IssuerDocument(configuration, ReadEndpoint(configuration, RevocationsMember, settings.Issuer),
            ReadEndpoint(configuration, IntrospectionMember, settings.Issuer), lifetime);
    }

    private static bool IsEs256Key(SecurityKey key) => key switch
    {
        JsonWebKey jwk => jwk.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && jwk.Crv == JsonWebKeyECTypes.P256
            && jwk.D is null && (jwk.Alg is null || jwk.Alg == SecurityAlgorithms.EcdsaSha256) && (jwk.Use is null || jwk.Use == JsonWebKeyUseNames.Sig),
        ECDsaSecurityKey ec => ec.KeySize == 256,
        _ => false,
    };

    private static Uri ReadEndpoint(OpenIdConnectConfiguration configuration, string member, string issuer)
    {
        var value = member == IntrospectionMember && !string.IsNullOrEmpty(configuration.IntrospectionEndpoint)
            ? configuration.IntrospectionEndpoint
            : configuration.AdditionalData.TryGetValue(member, out var raw) ? AsString(raw) : null;
        if (value is null || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            throw new IssuerDocumentException($"the document has no '{member}'");
        }

        if (!value.StartsWith(issuer + "/", StringComparison.Ordinal))
        {
            throw new IssuerDocumentException($"'{member}' ({value}) is not under the issuer");
        }

        return uri;
    }

    private static TimeSpan ReadSeconds(OpenIdConnectConfiguration configuration, string member)
    {
        double? seconds = configuration.AdditionalData.TryGetValue(member, out var raw) ? raw switch
        {
            int i => i,
            long l => l,
            double d => d,
            decimal m => (double)m,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
            _ => null,
        } : null;
        if (seconds is not > 0 || seconds > TimeSpan.FromHours(24).TotalSeconds)
        {
            throw new IssuerDocumentException($"the document has no valid '{member}' (set ServerlessAuth:AccessTokenLifetime to the issuer's Auth:AccessTokenLifetime instead)");
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }

    private static string? AsString(object? raw) => raw switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the issuer's discovery document {Address} failed ({ErrorType}: {Error}); the last good keys stay in use")]
    private static partial void LogLoadFailed(ILogger logger, string address, string errorType, string error);
}
