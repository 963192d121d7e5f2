using System.Globalization;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>One parsed <c>Set-Cookie</c> header (RFC 6265 5.2): name, value and attributes as sent.</summary>
public sealed record SetCookie(string Raw, string Name, string Value, IReadOnlyList<KeyValuePair<string, string?>> Attributes)
{
    public static SetCookie Parse(string header)
    {
        var parts = header.Split(';');
        var pair = parts[0];
        var separator = pair.IndexOf('=', StringComparison.Ordinal);
        Assert.True(separator > 0, $"Set-Cookie without name=value: {header}");

        var attributes = new List<KeyValuePair<string, string?>>();
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            attributes.Add(equals < 0
                ? KeyValuePair.Create(part.Trim(), (string?)null)
                : KeyValuePair.Create(part[..equals].Trim(), (string?)part[(equals + 1)..].Trim()));
        }

        return new SetCookie(header, pair[..separator].Trim(), pair[(separator + 1)..].Trim(), attributes);
    }

    public bool Has(string attribute) => Attributes.Any(a => string.Equals(a.Key, attribute, StringComparison.OrdinalIgnoreCase));

    /// <summary>The value of the last occurrence of the attribute (the one a user agent applies), or null.</summary>
    public string? this[string attribute] =>
        Attributes.LastOrDefault(a => string.Equals(a.Key, attribute, StringComparison.OrdinalIgnoreCase)).Value;

    public DateTimeOffset? Expires =>
        this["expires"] is { } text
            ? DateTimeOffset.ParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
            : null;
}
