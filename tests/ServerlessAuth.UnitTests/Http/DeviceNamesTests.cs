using ServerlessAuth.Http;

namespace ServerlessAuth.UnitTests.Http;

/// <summary>The account page's device names, from real browsers' User-Agent strings.</summary>
public sealed class DeviceNamesTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on Linux")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Mobile Safari on iOS")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge on Mac OS X")]
    [InlineData("", "Unknown device")]
    [InlineData(null, "Unknown device")]
    [InlineData("\u0001\u0002 nothing known", "Unknown device")]
    public void Names_the_browser_and_the_system(string? userAgent, string expected) =>
        Assert.Equal(expected, DeviceNames.Describe(userAgent));
}
