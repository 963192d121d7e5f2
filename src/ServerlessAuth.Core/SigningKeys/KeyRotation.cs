using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.SigningKeys;

public sealed record RotationOutcome(SigningKeyVersion NewVersion, IReadOnlyList<string> DisabledVersions, DateTimeOffset? SessionsEndedBefore);

public sealed record DisableOutcome(bool Found, bool Refused, string Message);

/// <summary>
/// The runbook's operations (docs/runbooks/key-rotation.md). Graceful: add a version; older ones keep
/// validating until disabled. Emergency: add a version and disable every other one, so every
/// outstanding token is refused as soon as instances see the feed event (about a second), and within
/// the refresh interval at the latest. Ending every session is a separate,
/// optional step, because a leaked signing key and leaked session cookies are different incidents.
/// </summary>
public sealed class KeyRotation(
    ISigningKeyAdministration keys,
    SessionService sessions,
    IRevocationFeed feed,
    IOptions<AuthOptions> authOptions,
    IOptions<SigningKeyOptions> keyOptions,
    TimeProvider time)
{
    public async Task<RotationOutcome> RotateAsync(bool emergency, bool endSessions, CancellationToken cancellationToken)
    {
        var created = await keys.AddVersionAsync(cancellationToken);
        var disabled = new List<string>();
        if (emergency)
        {
            foreach (var version in await keys.ListAsync(cancellationToken))
            {
                if (version.Id != created.Id && version.Enabled && await keys.DisableAsync(version.Id, cancellationToken))
                {
                    disabled.Add(version.Id);
                }
            }
        }

        // After the change, so instances that re-read the ring on this event see it.
        await feed.PublishAsync([RevocationEvent.SigningKeysChanged(time.GetUtcNow())], cancellationToken);
        DateTimeOffset? endedBefore = endSessions ? await sessions.EndEverySessionAsync(cancellationToken) : null;
        return new RotationOutcome(created, disabled, endedBefore);
    }

    /// <summary>
    /// Enables a disabled version again: the runbook's rollback. Instances validate its unexpired tokens
    /// again once they see the key event; it signs new tokens only if it is the newest usable version.
    /// </summary>
    public async Task<DisableOutcome> EnableAsync(string versionId, CancellationToken cancellationToken)
    {
        var versions = await keys.ListAsync(cancellationToken);
        var target = versions.FirstOrDefault(v => v.Id == versionId);
        if (target is null)
        {
            return new DisableOutcome(false, false, $"No version {versionId} in {keys.Description}.");
        }

        if (target.Enabled)
        {
            return new DisableOutcome(true, false, $"{versionId} is already enabled; nothing changed.");
        }

        await keys.EnableAsync(versionId, cancellationToken);
        await feed.PublishAsync([RevocationEvent.SigningKeysChanged(time.GetUtcNow())], cancellationToken);
        var now = time.GetUtcNow();
        var newest = versions.Select(v => v.Id == versionId ? v with { Enabled = true } : v).Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
        var role = newest?.Id == versionId ? "it signs new tokens again" : $"it validates its unexpired tokens again; {newest?.Id} still signs new tokens";
        var window = target with { Enabled = true };
        var note = window.IsUsableAt(now) ? "" : " Its not-before/expiry window excludes now, so it stays unusable.";
        return new DisableOutcome(true, false,
            $"Enabled {versionId}: once instances see this change on the revocation feed (about a second), {role}.{note}");
    }

    /// <summary>
    /// Disables one version, unless that would leave no usable version (every request would fail
    /// closed). Warns when tokens signed with it may still be unexpired.
    /// </summary>
    public async Task<DisableOutcome> DisableAsync(string versionId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var versions = await keys.ListAsync(cancellationToken);
        var target = versions.FirstOrDefault(v => v.Id == versionId);
        if (target is null)
        {
            return new DisableOutcome(false, false, $"No version {versionId} in {keys.Description}.");
        }

        if (!target.Enabled)
        {
            // Nothing to do, and no new deadline: instances dropped it when they saw the earlier disable.
            return new DisableOutcome(true, false,
                $"{versionId} was already disabled; nothing changed. Each instance has refused tokens signed with it since it saw that change on the revocation feed (about a second after it; at most one key refresh interval).");
        }

        if (!versions.Any(v => v.Id != versionId && v.IsUsableAt(now)))
        {
            return new DisableOutcome(true, true,
                $"Refused: {versionId} is the only usable version; rotate first ('keys rotate'), then disable it.");
        }

        await keys.DisableAsync(versionId, cancellationToken);
        await feed.PublishAsync([RevocationEvent.SigningKeysChanged(time.GetUtcNow())], cancellationToken);

        // Instances sign with the target until their first refresh after the newest successor appeared;
        // such a token is accepted for its lifetime plus the clock skew.
        var successor = versions.Where(v => v.IsUsableAt(now) && v.CreatedOn > target.CreatedOn).MaxBy(v => v.CreatedOn);
        var safeAfter = successor?.CreatedOn + keyOptions.Value.RefreshInterval + authOptions.Value.AccessTokenLifetime + authOptions.Value.ClockSkew;
        var note = safeAfter is { } at && at > now
            ? $" Tokens signed with it may stay unexpired until {at.UtcDateTime:u}; each instance refuses them once it sees this change."
            : "";
        return new DisableOutcome(true, false,
            $"Disabled {versionId}. Instances stop accepting it once they see this change on the revocation feed (about a second; at the latest at their next key refresh).{note}");
    }
}
