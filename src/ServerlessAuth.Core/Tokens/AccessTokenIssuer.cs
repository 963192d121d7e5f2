using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;

namespace ServerlessAuth.Tokens;

public sealed class AccessTokenIssuer(ISigningKeyProvider keys, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public async Task<IssuedAccessToken> IssueAsync(UserAccount user, Session session, CancellationToken cancellationToken)
    {
        var ring = await keys.GetAsync(cancellationToken);
        var settings = options.Value;

        // Whole seconds, so the returned instants equal what the token's NumericDate claims say.
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + settings.AccessTokenLifetime;
        var claims = new AccessTokenClaims(
            Subject: user.Id,
            Name: user.Username,
            SessionId: session.Id,
            TokenId: Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            IssuedAt: now,
            ExpiresAt: expires,
            KeyId: ring.Current.KeyId);

        var descriptor = new SecurityTokenDescriptor
        {
            TokenType = AccessTokenShape.Type,
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                [AccessTokenShape.Claims.Subject] = claims.Subject,
                [AccessTokenShape.Claims.Name] = claims.Name,
                [AccessTokenShape.Claims.SessionId] = claims.SessionId,
                [AccessTokenShape.Claims.TokenId] = claims.TokenId,
            },
            SigningCredentials = new SigningCredentials(ring.Current, AccessTokenShape.Algorithm),
        };

        return new IssuedAccessToken(Handler.CreateToken(descriptor), claims);
    }
}
