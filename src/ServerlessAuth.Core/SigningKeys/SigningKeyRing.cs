using Microsoft.IdentityModel.Tokens;

namespace ServerlessAuth.SigningKeys;

/// <summary>The keys in force at one instant: the newest usable version signs, every usable version validates.</summary>
public sealed class SigningKeyRing(SecurityKey current, IReadOnlyList<SecurityKey> validationKeys)
{
    public SecurityKey Current { get; } = current;

    public IReadOnlyList<SecurityKey> ValidationKeys { get; } = validationKeys;
}

public interface ISigningKeyProvider : ISigningKeyRefresh
{
    /// <exception cref="SigningKeysUnavailableException">No usable version is known.</exception>
    ValueTask<SigningKeyRing> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A token named a <c>kid</c> the ring lacks: re-read the source at once (at most once per cooldown),
    /// so a freshly rotated key is picked up without waiting for the refresh interval.
    /// </summary>
    ValueTask<SigningKeyRing> RefreshForUnknownKeyAsync(CancellationToken cancellationToken);
}
