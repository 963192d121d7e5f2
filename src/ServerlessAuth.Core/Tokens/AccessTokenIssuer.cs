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
        // Never past the session's own end (to the second, rounded up so that exp stays after nbf): a
        // replica then needs no session expiry to refuse it.
        var sessionEnd = DateTimeOffset.FromUnixTimeSeconds((session.ExpiresAt.UtcTicks + TimeSpan.TicksPerSecond - 1 - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond);
        var expires = now + settings.AccessTokenLifetime < sessionEnd ? now + settings.AccessTokenLifetime : sessionEnd;
        var authTime = DateTimeOffset.FromUnixTimeSeconds(session.CreatedAt.ToUnixTimeSeconds());
        var claims = new AccessTokenClaims(
            Subject: user.Id,
            Name: user.Username,
            SessionId: session.Id,
            TokenId: Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16)),
            IssuedAt: now,
            ExpiresAt: expires,
            KeyId: ring.Current.KeyId,
            AuthTime: authTime);

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
                [AccessTokenShape.Claims.AuthTime] = authTime.ToUnixTimeSeconds(),
            },
            SigningCredentials = new SigningCredentials(ring.Current, ring.CurrentAlgorithm),
        };

        return new IssuedAccessToken(Handler.CreateToken(descriptor), claims);
    }
}
