using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessAuth.Revocation;

namespace ServerlessAuth.AspNetCore;

/// <summary>
/// The issuer's revocation feed, read over its authenticated revocations endpoint
/// (<c>GET {issuer}/revocations?since=&lt;unix ms&gt;</c>) instead of its feed table: the API needs no
/// storage identity or network path to the issuer's storage, and the table schema stays the issuer's own.
/// Any failure throws, so the follower keeps its cursor and the replica turns stale (fail closed).
/// </summary>
public sealed partial class RevocationsEndpoint(
    IHttpClientFactory httpClients,
    IssuerMetadata metadata,
    IOptions<ServerlessAuthBearerOptions> options,
    ILogger<RevocationsEndpoint> logger) : IRevocationFeedReader
{
    public async Task<IReadOnlyList<RevocationEvent>> ReadSinceAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var document = await metadata.GetAsync(cancellationToken);
        var address = new Uri(document.RevocationsEndpoint.AbsoluteUri
            + (string.IsNullOrEmpty(document.RevocationsEndpoint.Query) ? "?" : "&")
            + "since=" + from.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.HttpTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, address);
        request.Headers.Authorization = IssuerAnswers.Credentials(settings);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await httpClients.CreateClient(ServerlessAuthBearerExtensions.HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException(IssuerAnswers.Describe(response.StatusCode, "the revocations"), null, response.StatusCode);
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            var page = RevocationsResponse.Parse(json.RootElement);
            if (page.UnknownKinds.Count > 0)
            {
                LogUnknownKinds(logger, string.Join(", ", page.UnknownKinds));
            }

            return page.Events;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The revocations endpoint gave no answer within {settings.HttpTimeout.TotalSeconds:0.#} s.");
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The revocations endpoint answered with malformed JSON: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The revocations endpoint sent events of kinds this version does not know ({Kinds}); they were skipped. Update ServerlessAuth.AspNetCore.")]
    private static partial void LogUnknownKinds(ILogger logger, string kinds);
}

/// <summary>One answer of the revocations endpoint: its events, and the kinds it skipped as unknown.</summary>
public sealed record RevocationsResponse(IReadOnlyList<RevocationEvent> Events, IReadOnlyList<string> UnknownKinds)
{
    /// <summary>
    /// Reads <c>{"events":[...]}</c>. An event of a known kind that lacks one of its members makes the whole
    /// answer malformed (<see cref="FormatException"/>): applying the rest would let the replica look current
    /// while missing a revocation. An unknown kind is skipped, so a newer issuer does not stop older APIs.
    /// </summary>
    /// <exception cref="FormatException">The answer is not of the documented shape.</exception>
    public static RevocationsResponse Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The revocations answer has no 'events' array.");
        }

        var parsed = new List<RevocationEvent>(events.GetArrayLength());
        var unknown = new List<string>();
        var index = 0;
        foreach (var e in events.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Revocation event {index} is not an object.");
            }

            var id = RequiredString(e, "id", index);
            var kind = RequiredString(e, "kind", index);
            var published = Milliseconds(e, "published_at", index);
            RevocationEvent? parsedEvent = kind switch
            {
                "token_revoked" => new RevocationEvent(id, RevocationEventKind.TokenRevoked, published,
                    TokenId: RequiredString(e, "jti", index), Instant: Milliseconds(e, "instant", index)),
                "session_ended" => new RevocationEvent(id, RevocationEventKind.SessionEnded, published,
                    Subject: RequiredString(e, "sub", index), SessionId: RequiredString(e, "sid", index)),
                "user_cutoff" => new RevocationEvent(id, RevocationEventKind.UserCutoff, published,
                    Subject: RequiredString(e, "sub", index), Instant: Milliseconds(e, "instant", index)),
                "service_cutoff" => new RevocationEvent(id, RevocationEventKind.ServiceCutoff, published,
                    Instant: Milliseconds(e, "instant", index)),
                "signing_keys_changed" => new RevocationEvent(id, RevocationEventKind.SigningKeysChanged, published),
                _ => null,
            };
            if (parsedEvent is null)
            {
                unknown.Add(kind);
            }
            else
            {
                parsed.Add(parsedEvent);
            }

            index++;
        }

        return new RevocationsResponse(parsed, unknown);
    }

    private static string RequiredString(JsonElement e, string name, int index) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"Revocation event {index} lacks the string '{name}'.");

    private static DateTimeOffset Milliseconds(JsonElement e, string name, int index)
    {
        if (e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms)
            && ms is >= 0 and <= 253_402_300_799_999)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        throw new FormatException($"Revocation event {index} lacks '{name}' as unix milliseconds.");
    }
}
