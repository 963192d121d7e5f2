using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using ServerlessAuth.Revocation;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// What a ServerlessAuth token must pass after JwtBearer checked its signature, algorithm, type, issuer,
/// audience and expiry: its claims, its lifetime, and its revocation state in the replica. No call to the
/// issuer per request.
/// </summary>
public sealed class ServerlessAuthTokenCheck(
    BearerRevocationState state,
    IssuerMetadata metadata,
    IOptions<ServerlessAuthBearerOptions> options)
{
    public const string Malformed = "The token is malformed.";
    public const string MissingClaim = "The token lacks a required claim.";
    public const string WrongLifetime = "The token's lifetime is not one this issuer issues.";

    /// <returns>null when the token may be used; otherwise the error_description of a 401.</returns>
    /// <exception cref="ServerlessAuthUnavailableException">The token's standing cannot be proven now (503).</exception>
    public async ValueTask<string?> FindRefusalAsync(JsonWebToken token, CancellationToken cancellationToken)
    {
        // Duplicate members are refused, not resolved last-wins: another parser might pick the first.
        // No critical header parameter is issued, so any is one not understood (RFC 7515 4.1.11).
        if (JwsMembers.HasDuplicates(token.EncodedToken) || token.TryGetHeaderValue<object>("crit", out _))
        {
            return Malformed;
        }

        if (AccessTokenClaims.TryRead(token) is not { } claims)
        {
            return MissingClaim;
        }

        var lifetime = options.Value.AccessTokenLifetime ?? metadata.Current?.AccessTokenLifetime
            ?? throw new ServerlessAuthUnavailableException("The issuer's access-token lifetime is not known yet.");
        if (!claims.HasLifetimeWithin(lifetime))
        {
            return WrongLifetime;
        }

        // A starting API waits for its first read of the feed, at most the staleness bound.
        var replica = state.Replica;
        var (answer, refusal) = await replica.CheckAsync(claims, cancellationToken);
        return answer switch
        {
            ReplicaAnswer.Accept or ReplicaAnswer.Refuse => refusal,
            _ => throw new ServerlessAuthUnavailableException(replica.DescribeStaleness("the issuer's revocations")),
        };
    }
}
