namespace ServerlessAuth.SigningKeys;

/// <summary>Where the versions of the signing secret live (Key Vault, or the development table).</summary>
public interface ISigningKeySource
{
    /// <summary>Names the vault and secret (or table) in messages; never the key.</summary>
    string Description { get; }

    /// <summary>
    /// Every version, with <see cref="SigningKeyVersion.Value"/> filled for the usable ones.
    /// <paramref name="knownValues"/> lets a source skip fetching values it already has.
    /// </summary>
    Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken);
}

/// <summary>Rotation operations on a source (admin CLI).</summary>
public interface ISigningKeyAdministration
{
    string Description { get; }

    /// <summary>Versions newest first, without values.</summary>
    Task<IReadOnlyList<SigningKeyVersion>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds a new enabled version with a freshly generated value; returns it without the value.</summary>
    Task<SigningKeyVersion> AddVersionAsync(CancellationToken cancellationToken);

    /// <returns>false when no such version exists.</returns>
    Task<bool> DisableAsync(string versionId, CancellationToken cancellationToken);

    /// <summary>Enables a disabled version again (the runbook's rollback).</summary>
    /// <returns>false when no such version exists.</returns>
    Task<bool> EnableAsync(string versionId, CancellationToken cancellationToken);
}

/// <summary>No usable signing key could be had. Callers fail closed (503, unhealthy).</summary>
public sealed class SigningKeysUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
