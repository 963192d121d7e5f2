using UAParser;

namespace ServerlessAuth.Http;

/// <summary>
/// "Chrome on Linux" from a session's User-Agent, by ua-parser's maintained rules (its regexes know
/// thousands of browsers and systems; hand-written rules would age with every release).
/// </summary>
public static class DeviceNames
{
    // Loading the rules compiles a few hundred regexes: once per process.
    private static readonly Lazy<Parser> Rules = new(() => Parser.GetDefault(new ParserOptions { MatchTimeOut = TimeSpan.FromMilliseconds(100) }));

    public static string Describe(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return "Unknown device";
        }

        var browser = Known(Rules.Value.ParseUserAgent(userAgent).Family);
        var system = Known(Rules.Value.ParseOS(userAgent).Family);
        return (browser, system) switch
        {
            (not null, not null) => $"{browser} on {system}",
            (not null, null) => browser,
            (null, not null) => $"A browser on {system}",
            _ => "Unknown device",
        };
    }

    private static string? Known(string? family) => string.IsNullOrEmpty(family) || family == "Other" ? null : family;
}
