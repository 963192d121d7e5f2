using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ServerlessAuth.Clients;

/// <summary>
/// HTTP Basic client credentials (RFC 7617) as OAuth uses them (RFC 6749 2.3.1): the id and the secret
/// are each form-urlencoded before they are joined with a colon and base64-encoded.
/// </summary>
public static class ClientCredentials
{
    public const string Scheme = "Basic";

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Parses an <c>Authorization</c> header value; false for any other scheme or a malformed value.</summary>
    public static bool TryParseBasic(string? header, [NotNullWhen(true)] out string? clientId, [NotNullWhen(true)] out string? secret)
    {
        clientId = secret = null;
        if (header is null || header.Length <= Scheme.Length + 1
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header[Scheme.Length] != ' ')
        {
            return false;
        }

        var encoded = header[(Scheme.Length + 1)..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !TryFormDecode(decoded[..colon], out var id) || !TryFormDecode(decoded[(colon + 1)..], out var key) || id.Length == 0 || key.Length == 0)
        {
            return false;
        }

        (clientId, secret) = (id, key);
        return true;
    }

    /// <summary>The header value a client sends (the inverse of <see cref="TryParseBasic"/>).</summary>
    public static string FormatBasic(string clientId, string secret) =>
        Scheme + " " + Convert.ToBase64String(Encoding.UTF8.GetBytes(FormEncode(clientId) + ":" + FormEncode(secret)));

    private static string FormEncode(string value) => Uri.EscapeDataString(value).Replace("%20", "+", StringComparison.Ordinal);

    /// <summary>application/x-www-form-urlencoded decoding: '+' is a space; a broken %-escape is refused, not guessed.</summary>
    private static bool TryFormDecode(string value, [NotNullWhen(true)] out string? decoded)
    {
        decoded = null;
        var input = Encoding.UTF8.GetBytes(value);
        var output = new List<byte>(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            switch (input[i])
            {
                case (byte)'%':
                    if (i + 2 >= input.Length || !Uri.IsHexDigit((char)input[i + 1]) || !Uri.IsHexDigit((char)input[i + 2]))
                    {
                        return false;
                    }

                    output.Add(Convert.ToByte(Encoding.ASCII.GetString(input, i + 1, 2), 16));
                    i += 2;
                    break;
                case (byte)'+':
                    output.Add((byte)' ');
                    break;
                default:
                    output.Add(input[i]);
                    break;
            }
        }

        try
        {
            decoded = StrictUtf8.GetString([.. output]);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
