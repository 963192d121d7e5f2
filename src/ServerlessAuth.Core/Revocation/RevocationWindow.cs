using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Revocation;

/// <summary>
/// How far back the feed matters. Every accepted token lives at most one access-token lifetime
/// (the validator refuses longer ones), so an event can refuse nothing once that lifetime, the
/// allowed clock skew and the re-read overlap have passed.
/// </summary>
public sealed class RevocationWindow(IOptions<AuthOptions> auth, IOptions<StorageOptions> storage)
{
    /// <summary>
    /// Each poll re-reads this far behind the previous one: an event stamped by a writer whose clock
    /// lags ours by the skew, or whose insert took up to the storage timeout to land, is still read.
    /// </summary>
    public TimeSpan Overlap => storage.Value.OperationTimeout + auth.Value.ClockSkew;

    /// <summary>How long an applied event is kept, and how far back a starting instance reads.</summary>
    public TimeSpan Retention => auth.Value.AccessTokenLifetime + auth.Value.ClockSkew + Overlap;
}
