namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The token's standing cannot be proven now (revocation state stale, issuer unreachable, introspection
/// failed): the request is answered 503 with Retry-After, never accepted and never a 401.
/// </summary>
public sealed class ServerlessAuthUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A signature-valid token that is refused: 401 with this message as the RFC 6750 <c>error_description</c>.</summary>
public sealed class TokenRefusedException(string description) : Exception(description);

/// <summary>What is wrong with the issuer's discovery document or JWKS, in our words (safe to put in a 503 answer).</summary>
internal sealed class IssuerDocumentException(string message) : Exception(message);
