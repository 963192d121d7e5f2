using BenchmarkDotNet.Attributes;
using ServerlessAuth.Sessions;

namespace ServerlessAuth.Benchmarks;

/// <summary>
/// CPU cost of proving a presented refresh token to be a spent ancestor: the walk forward along the
/// session's chain (one HMAC-SHA256 and one SHA-256 per generation). The worst case, paid by every token
/// that is neither current nor the last spent (a guess walks the whole depth), is the full depth.
/// </summary>
[MemoryDiagnoser]
public class RefreshChainBenchmarks
{
    private Session _session = null!;
    private SessionCookieValue _oldest = null!;
    private SessionCookieValue _guess = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var userId = Guid.NewGuid().ToString("N");
        _oldest = SessionCookieValue.Create(userId);
        var current = _oldest;
        for (var i = 0; i < SessionService.RefreshChainDepth; i++)
        {
            current = current.Successor(key);
        }

        _session = new Session
        {
            UserId = userId,
            Id = _oldest.SessionId,
            SecretHash = current.SecretHash(),
            CreatedAt = DateTimeOffset.UtcNow,
            LastSeenAt = DateTimeOffset.UtcNow,
            ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
            Kind = SessionKind.RefreshToken,
            ChainKey = key,
        };
        _guess = SessionCookieValue.Create(userId) with { SessionId = _oldest.SessionId };
    }

    /// <summary>The oldest generation still recognised: found at the last step.</summary>
    [Benchmark]
    public int? OldestAncestor() => _oldest.GenerationsBehind(_session, SessionService.RefreshChainDepth);

    /// <summary>A guessed secret with the session's real ids: walks the whole depth, finds nothing.</summary>
    [Benchmark]
    public int? Guess() => _guess.GenerationsBehind(_session, SessionService.RefreshChainDepth);
}
