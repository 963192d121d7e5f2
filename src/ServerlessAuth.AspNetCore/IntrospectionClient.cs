using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ServerlessAuth.Tokens;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// RFC 7662 introspection at the issuer, for the one case the replica cannot decide: a cutoff in the same
/// second as the token's <c>auth_time</c>. Asked once per token; the answer is kept per <c>jti</c> until the
/// token expires. That is safe because every later event (the token, its session, a later cutoff) is
/// decided by the replica before this is asked.
/// </summary>
public sealed class IntrospectionClient(
    IHttpClientFactory httpClients,
    IssuerMetadata metadata,
    IOptions<ServerlessAuthBearerOptions> options,
    TimeProvider time)
{
    private const int PruneEvery = 256;

    // Values: (active, UTC ticks after which the answer is dropped).
    private readonly ConcurrentDictionary<string, (bool Active, long KeepUntil)> _answers = new(StringComparer.Ordinal);
    private int _inserts;

    public int CachedCount => _answers.Count;

    /// <exception cref="ServerlessAuthUnavailableException">The issuer could not answer.</exception>
    public async ValueTask<bool> IsActiveAsync(string token, AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (_answers.TryGetValue(claims.TokenId, out var known) && known.KeepUntil >= now)
        {
            return known.Active;
        }

        var active = await AskAsync(token, cancellationToken);
        _answers[claims.TokenId] = (active, (claims.ExpiresAt + options.Value.ClockSkew).UtcTicks);
        if (Interlocked.Increment(ref _inserts) % PruneEvery == 0)
        {
            foreach (var (jti, answer) in _answers)
            {
                if (answer.KeepUntil < now)
                {
                    _answers.TryRemove(new KeyValuePair<string, (bool, long)>(jti, answer));
                }
            }
        }

        return active;
    }

    private async Task<bool> AskAsync(string token, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var document = await metadata.GetAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.HttpTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, document.IntrospectionEndpoint)
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create("token", token), KeyValuePair.Create("token_type_hint", "access_token")]),
            };
            request.Headers.Authorization = IssuerAnswers.Credentials(settings);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await httpClients.CreateClient(ServerlessAuthBearerExtensions.HttpClientName).SendAsync(request, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new ServerlessAuthUnavailableException("Introspection failed: " + IssuerAnswers.Describe(response.StatusCode, "introspection") + ".");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("active", out var active)
                && active.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? active.GetBoolean()
                : throw new ServerlessAuthUnavailableException("Introspection failed: the answer has no boolean 'active'.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ServerlessAuthUnavailableException($"Introspection failed: no answer within {settings.HttpTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            // Our words in the answer, not the HTTP stack's or the parser's.
            throw new ServerlessAuthUnavailableException(
                ex is JsonException ? "Introspection failed: the answer is not JSON." : "Introspection failed: the connection failed.", ex);
        }
    }
}
