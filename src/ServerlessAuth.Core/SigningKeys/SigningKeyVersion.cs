namespace ServerlessAuth.SigningKeys;

/// <summary>
/// One version of the signing secret, as Key Vault describes a secret version. <see cref="Id"/> is the
/// token's <c>kid</c>. <see cref="Value"/> is the stored text (base64 of at least 32 random bytes),
/// absent when only properties were listed. <see cref="Algorithm"/> is what a listing knows of its
/// algorithm (from its content type or value); null when it cannot tell.
/// </summary>
public sealed record SigningKeyVersion(
    string Id,
    bool Enabled,
    DateTimeOffset CreatedOn,
    DateTimeOffset? NotBefore = null,
    DateTimeOffset? ExpiresOn = null,
    string? Value = null,
    string? Algorithm = null)
{
    /// <summary>Enabled, and inside its NotBefore/ExpiresOn window.</summary>
    public bool IsUsableAt(DateTimeOffset now) =>
        Enabled && (NotBefore is null || NotBefore <= now) && (ExpiresOn is null || now < ExpiresOn);
}
