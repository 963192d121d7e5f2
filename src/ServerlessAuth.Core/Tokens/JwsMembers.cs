using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace ServerlessAuth.Tokens;

/// <summary>
/// Refuses JWS headers or payloads that name a member twice: the JWT library keeps the last one,
/// another parser might keep the first (RFC 8725 3.x). Runs on every protected request, so it works
/// on stack buffers and compares names as bytes.
/// </summary>
internal static class JwsMembers
{
    private const int MaxMembers = 64;

    public static bool HasDuplicates(string token)
    {
        var span = token.AsSpan();
        var first = span.IndexOf('.');
        if (first < 0)
        {
            return false; // Not a JWS at all; the handler refuses it.
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf('.');
        if (second < 0 || rest[(second + 1)..].Contains('.'))
        {
            return false;
        }

        return HasDuplicates(span[..first]) || HasDuplicates(rest[..second]);
    }

    private static bool HasDuplicates(ReadOnlySpan<char> segment)
    {
        // Callers cap tokens at AccessTokenShape.MaxLength, so this stays a few KB of stack.
        Span<byte> json = stackalloc byte[Base64Url.GetMaxDecodedLength(segment.Length)];
        if (Base64Url.DecodeFromChars(segment, json, out _, out var written) != OperationStatus.Done)
        {
            return false; // Malformed base64url; the handler refuses it.
        }

        json = json[..written];
        Span<int> starts = stackalloc int[MaxMembers];
        Span<int> lengths = stackalloc int[MaxMembers];
        var count = 0;
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueIsEscaped || count == MaxMembers)
                {
                    return HasDuplicatesSlow(json); // \u escapes can spell one name two ways.
                }

                var name = reader.ValueSpan;
                var start = (int)reader.TokenStartIndex + 1; // past the opening quote
                for (var i = 0; i < count; i++)
                {
                    if (json.Slice(starts[i], lengths[i]).SequenceEqual(name))
                    {
                        return true;
                    }
                }

                starts[count] = start;
                lengths[count] = name.Length;
                count++;
            }
        }
        catch (JsonException)
        {
            return false; // Not JSON; the handler refuses it.
        }

        return false;
    }

    private static bool HasDuplicatesSlow(ReadOnlySpan<byte> json)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && !names.Add(reader.GetString()!))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}
