namespace ServerlessAuth.SigningKeys;

/// <summary>
/// What the revocation feed's follower needs of whatever holds the signing keys: on a
/// <see cref="Revocation.RevocationEventKind.SigningKeysChanged"/> event, re-read them now.
/// </summary>
public interface ISigningKeyRefresh
{
    /// <summary>The versions changed: re-read them now, without waiting for the result.</summary>
    void RequestRefresh();
}
