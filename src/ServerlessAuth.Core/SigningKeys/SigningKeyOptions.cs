using System.ComponentModel.DataAnnotations;

namespace ServerlessAuth.SigningKeys;

/// <summary>Settings of the <c>SigningKeys</c> section.</summary>
public sealed class SigningKeyOptions
{
    public const string SectionName = "SigningKeys";

    /// <summary>Key Vault URI. When empty, key versions come from the development table source.</summary>
    public Uri? VaultUri { get; set; }

    /// <summary>Name of the Key Vault secret (or of the local key set) whose versions are the signing keys.</summary>
    [Required, RegularExpression("^[0-9a-zA-Z-]{1,127}$", ErrorMessage = "SigningKeys:SecretName must be 1-127 letters, digits or dashes (a Key Vault secret name).")]
    public string SecretName { get; set; } = "jwt-signing-key";

    /// <summary>
    /// What new versions are (rotation, the development table's first key): <c>ES256</c> (a P-256 key pair; APIs
    /// that validate with the published public keys cannot mint tokens) or <c>HS256</c> (a shared secret). Existing
    /// versions keep the algorithm their value fixes.
    /// </summary>
    [Required, RegularExpression("^(ES256|HS256)$", ErrorMessage = "SigningKeys:Algorithm must be ES256 or HS256.")]
    public string Algorithm { get; set; } = SigningKeyMaterial.Es256;

    /// <summary>How often the cached key versions are re-read. Bounds how long a disabled version keeps validating.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00", ErrorMessage = "SigningKeys:RefreshInterval must be between 5 seconds and 10 minutes.")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Least time between two refreshes caused by tokens with an unknown <c>kid</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "SigningKeys:UnknownKeyRefreshCooldown must be between 0 and 5 minutes.")]
    public TimeSpan UnknownKeyRefreshCooldown { get; set; } = TimeSpan.FromSeconds(5);
}
