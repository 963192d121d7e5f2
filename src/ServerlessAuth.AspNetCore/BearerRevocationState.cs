using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Storage;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The core's revocation state (<see cref="RevocationReplica"/>, <see cref="RevocationFeedFollower"/>),
/// built from this library's settings instead of the issuer's sections, so an API's own configuration
/// and services are left alone. The follower reads the revocations endpoint and, on a key event,
/// re-reads the JWKS through <see cref="IssuerMetadata"/>. Every poll is a full read of the overlap.
/// </summary>
public sealed class BearerRevocationState
{
    public BearerRevocationState(
        RevocationsEndpoint endpoint,
        IssuerMetadata metadata,
        IOptions<ServerlessAuthBearerOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        var settings = options.Value;
        var auth = new IssuerAuthOptions(metadata, settings);
        var revocation = Options.Create(new RevocationOptions
        {
            Mode = RevocationMode.Replica,
            PollInterval = settings.PollInterval,
            StalenessBound = settings.StalenessBound,
        });
        // The HTTP timeout plays the part of the issuer's storage timeout: the overlap each poll re-reads.
        var storage = Options.Create(new StorageOptions { OperationTimeout = settings.HttpTimeout });
        // Every poll re-reads the whole overlap: the endpoint's `since` is on this API's clock, which the
        // issuer cannot put on the storage clock, so short reads would lose events for an API whose clock
        // is ahead of the issuer's until the next full read.
        Window = new RevocationWindow(auth, storage) { FullReadInterval = TimeSpan.Zero };
        Replica = new RevocationReplica(Window, revocation, auth, time);
        Follower = new RevocationFeedFollower(endpoint, Replica, Window, metadata, revocation, time, loggers.CreateLogger<RevocationFeedFollower>());
        StalenessBound = settings.StalenessBound;
    }

    public RevocationReplica Replica { get; }

    public RevocationWindow Window { get; }

    public RevocationFeedFollower Follower { get; }

    public TimeSpan StalenessBound { get; }

    /// <summary>
    /// The core's Auth settings as far as the replica uses them: the skew, and the access-token lifetime
    /// (the setting, else the discovery document's; until that is read, the most the issuer allows, which
    /// only makes the first poll read further back).
    /// </summary>
    private sealed class IssuerAuthOptions(IssuerMetadata metadata, ServerlessAuthBearerOptions settings) : IOptions<AuthOptions>
    {
        private static readonly TimeSpan LongestIssued = TimeSpan.FromHours(1);
        private AuthOptions? _value;

        public AuthOptions Value
        {
            get
            {
                var lifetime = settings.AccessTokenLifetime ?? metadata.Current?.AccessTokenLifetime ?? LongestIssued;
                var value = _value;
                if (value is null || value.AccessTokenLifetime != lifetime)
                {
                    _value = value = new AuthOptions
                    {
                        Issuer = settings.Issuer,
                        Audience = settings.Audience,
                        ClockSkew = settings.ClockSkew,
                        AccessTokenLifetime = lifetime,
                    };
                }

                return value;
            }
        }
    }
}
