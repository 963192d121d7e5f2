using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;
using ServerlessAuth.Sessions;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.Introspection;

/// <summary>What an active token is; null members are not told (RFC 7662 2.2).</summary>
public sealed record IntrospectedToken(
    string TokenType,
    string Subject,
    string SessionId,
    DateTimeOffset ExpiresAt,
    string? Username = null,
    string? TokenId = null,
    DateTimeOffset? IssuedAt = null,
    DateTimeOffset? AuthTime = null,
    string? Issuer = null,
    string? Audience = null);

/// <summary>
/// RFC 7662 introspection. The revocation state is read from the tables, the source of truth, not from
/// this instance's replica: an answer reflects every logout or revocation already written.
/// </summary>
public sealed class TokenIntrospection(
    AccessTokenValidator tokens,
    TokenRevocationCheck revocation,
    SessionService sessions,
    IOptions<AuthOptions> options)
{
    public const string AccessTokenType = "Bearer";
    public const string RefreshTokenType = "refresh_token";

    /// <summary>The token's description when active; null for anything inactive, invalid or not ours.</summary>
    /// <param name="hint">RFC 7662 token_type_hint: only decides which kind is tried first.</param>
    public async Task<IntrospectedToken?> IntrospectAsync(string token, string? hint, CancellationToken cancellationToken)
    {
        if (hint == "refresh_token")
        {
            return await RefreshTokenAsync(token, cancellationToken) ?? await AccessTokenAsync(token, cancellationToken);
        }

        return await AccessTokenAsync(token, cancellationToken) ?? await RefreshTokenAsync(token, cancellationToken);
    }

    private async Task<IntrospectedToken?> AccessTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (SessionCookieValue.TryParse(token, out _))
        {
            return null;
        }

        var signed = await tokens.ValidateSignedTokenAsync(token, cancellationToken);
        if (signed.Claims is not { } claims || await revocation.FindRefusalInTablesAsync(claims, cancellationToken) is not null)
        {
            return null;
        }

        var auth = options.Value;
        return new IntrospectedToken(AccessTokenType, claims.Subject, claims.SessionId, claims.ExpiresAt,
            claims.Name, claims.TokenId, claims.IssuedAt, claims.AuthTime, auth.Issuer, auth.Audience);
    }

    private async Task<IntrospectedToken?> RefreshTokenAsync(string token, CancellationToken cancellationToken)
    {
        if (!SessionCookieValue.TryParse(token, out var refreshToken))
        {
            return null;
        }

        // Only the current token is active: the one spent by the last rotation is no longer a credential.
        var presented = await sessions.ReadRefreshAsync(refreshToken, cancellationToken);
        return presented is not null && refreshToken.Matches(presented.Session) && sessions.IsLive(presented)
            ? new IntrospectedToken(RefreshTokenType, presented.Session.UserId, presented.Session.Id, presented.Session.ExpiresAt)
            : null;
    }
}
