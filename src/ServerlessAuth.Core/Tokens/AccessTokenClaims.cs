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

/// <summary>Outcome of validating a presented token: claims, or an RFC 6750 <c>error_description</c>.</summary>
public sealed record AccessTokenValidation(AccessTokenClaims? Claims, string? Error)
{
    public bool IsValid => Claims is not null;

    public static AccessTokenValidation Valid(AccessTokenClaims claims) => new(claims, null);

    public static AccessTokenValidation Invalid(string error) => new(null, error);
}
