using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.BrowserTests.Infrastructure;

/// <summary>
/// Debian's chromium, headless and driven by Playwright (no browser is ever downloaded), against the
/// standalone host on a real Azurite over HTTPS. Without /usr/bin/chromium every test fails and says so.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The bound of every browser step.</summary>
    public const float StepTimeoutMs = 30_000;

    private readonly AzuriteFixture _azurite = new();
    private AuthHost? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public AuthHost Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    /// <summary>Where screenshots go: the test output folder.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Debian's chromium at {ChromiumPath}, which is missing. Install it with 'apt-get install -y chromium' (scripts/test.sh does).");
        }

        Directory.CreateDirectory(ScreenshotFolder);
        await _azurite.InitializeAsync();
        _host = await AuthHost.StartAsync(_azurite.ConnectionString, AzuriteFixture.NewTablePrefix(), addSigningKey: true);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = StepTimeoutMs,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A new browser context: another device, with its own cookies, trusting the test certificate.</summary>
    public async Task<IBrowserContext> NewDeviceAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            BaseURL = Host.BaseAddress.ToString(),
        });
        context.SetDefaultTimeout(StepTimeoutMs);
        context.SetDefaultNavigationTimeout(StepTimeoutMs);
        return context;
    }

    /// <summary>A second, foreign origin (another port of the same machine, over HTTPS) serving the given page.</summary>
    public static async Task<WebApplication> StartForeignOriginAsync(string html)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.UseHttps(TestCertificate.Instance)));
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(html, "text/html; charset=utf-8"));
        await app.StartAsync();
        return app;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _azurite.DisposeAsync();
    }
}
