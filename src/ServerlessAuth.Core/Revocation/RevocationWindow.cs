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
    /// A feed insert that took longer than this is written again, stamped when it returned, so the
    /// short reads (which look back only <see cref="Tail"/>) still find it on the next poll.
    /// </summary>
    public static readonly TimeSpan LateWrite = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How far a writer's stamp and a reader's cursor may still disagree once both are on the storage
    /// service's clock: the feed learns that clock from responses' <c>Date</c> headers, which have a
    /// resolution of a second and are at most half a second old when they arrive (slower answers are
    /// not learnt from). Instances' own clocks may be apart by up to <see cref="AuthOptions.ClockSkew"/>.
    /// </summary>
    public static readonly TimeSpan ClockAgreement = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// Each poll re-reads this far behind the previous one: an event stamped by a writer whose clock
    /// lags ours by the skew, or whose insert took up to the storage timeout to land, is still read.
    /// </summary>
    public TimeSpan Overlap => storage.Value.OperationTimeout + auth.Value.ClockSkew;

    /// <summary>
    /// A short read starts this far before the previous poll began: an insert lands within
    /// <see cref="LateWrite"/> of its stamp (or is stamped again), and its stamp and our cursor are on
    /// the storage clock, within <see cref="ClockAgreement"/> of each other.
    /// </summary>
    public TimeSpan Tail => LateWrite + ClockAgreement;

    /// <summary>
    /// How often a poll reads the whole <see cref="Overlap"/> behind the previous full read instead of
    /// the <see cref="Tail"/>: the net for a writer that died between a slow insert and its second
    /// stamp, or whose storage clock was not learnt yet. Zero makes every poll a full read.
    /// </summary>
    public TimeSpan FullReadInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far back a poll can read an event again, by its <c>PublishedAt</c> (a lagging writer's is up to
    /// the skew before its stamp): replicas remember applied ids this long.
    /// </summary>
    public TimeSpan RereadHorizon => Overlap + FullReadInterval + auth.Value.ClockSkew;

    /// <summary>How long an applied event is kept, and how far back a starting instance reads.</summary>
    public TimeSpan Retention => auth.Value.AccessTokenLifetime + auth.Value.ClockSkew + Overlap;
}
