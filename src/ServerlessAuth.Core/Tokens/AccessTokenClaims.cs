namespace ServerlessAuth.Tokens;

/// <summary>The claims of a signature-checked access token that the service acts on.</summary>
public sealed record AccessTokenClaims(
    string Subject,
    string Name,
    string SessionId,
    string TokenId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string KeyId,
    DateTimeOffset AuthTime);

public sealed record IssuedAccessToken(string Token, AccessTokenClaims Claims);

/// <summary>
/// Outcome of validating a presented token: claims, or an RFC 6750 <c>error_description</c> and a
/// short, fixed <see cref="Reason"/> for metrics (never token content).
/// </summary>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, string? Error, string? Reason = null)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Valid(AccessTokenClaims claims) => new(claims, null);

    public static AccessTokenValidation Invalid(string reason, string error) => new(null, error, reason);
}
