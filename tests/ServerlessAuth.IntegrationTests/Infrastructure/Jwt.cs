using System.Text;
using System.Text.Json;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>A compact JWS taken apart by hand (base64url, RFC 7515), without any JWT library.</summary>
public sealed record Jwt(JsonElement Header, JsonElement Payload, string[] Segments)
{
    public static Jwt Decode(string token)
    {
        var segments = token.Split('.');
        Assert.True(segments.Length == 3, $"Not a compact JWS with three segments: {segments.Length}");
        return new Jwt(ParseSegment(segments[0]), ParseSegment(segments[1]), segments);
    }

    public static byte[] FromBase64Url(string segment)
    {
        Assert.DoesNotContain('=', segment);
        var base64 = segment.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch
        {
            0 => "",
            2 => "==",
            3 => "=",
            _ => throw new FormatException($"Invalid base64url length {segment.Length}."),
        };
        return Convert.FromBase64String(base64);
    }

    public static string ToBase64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string ToBase64Url(string json) => ToBase64Url(Encoding.UTF8.GetBytes(json));

    private static JsonElement ParseSegment(string segment)
    {
        using var document = JsonDocument.Parse(FromBase64Url(segment));
        return document.RootElement.Clone();
    }
}
