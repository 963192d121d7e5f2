using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using ServerlessAuth.IntegrationTests.Infrastructure;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>
/// A host logging everything at Trace into a capturing provider: after a full flow (good and bad), no
/// log message, structured value, scope or exception text holds a password, a session cookie (or its
/// secret), an access token (or its signature) or the signing key.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretLoggingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task No_secret_appears_in_any_log_entry_at_trace_level()
    {
        var capture = new CapturingLoggerProvider();
        var host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions
        {
            Settings = new Dictionary<string, string>
            {
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                ["Logging:LogLevel:Azure"] = "Trace",
            },
            Configure = builder =>
            {
                builder.Logging.AddProvider(capture);
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
            },
        });
        SigningKey key;
        LoggedIn login;
        string token;
        const string WrongPassword = "Tr0ub4dor&3-wrong-password";
        try
        {
            key = await ForgedJwt.CurrentKeyAsync(host);
            var user = await host.AddUserAsync();

            // The whole flow, with every kind of failure that handles a secret.
            login = await host.Api.LoginAsync(user);
            token = await host.Api.GetTokenAsync(login.CookieValue);
            await host.Api.GetMeAsync(token);
            using (var failed = await host.Api.LoginJsonAsync(user.Username, WrongPassword))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            }

            using (var failedForm = await host.Api.LoginFormAsync(("username", user.Username), ("password", WrongPassword), ("returnUrl", "https://evil.example")))
            {
                Assert.Equal(HttpStatusCode.BadRequest, failedForm.StatusCode);
            }

            using (var malformed = await host.Api.LoginRawAsync($"{{\"username\":\"{user.Username}\",\"password\":\"{WrongPassword}\"", "application/json"))
            {
                Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            }

            var parts = token.Split('.');
            var tampered = $"{parts[0]}.{parts[1]}.{Jwt.ToBase64Url(Encoding.ASCII.GetBytes(new string('x', 32)))}";
            foreach (var bad in new[] { tampered, token + "x", "not-a-token-" + parts[2] })
            {
                using var me = await host.Api.MeAsync(bad);
                Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
            }

            var cookieParts = login.CookieValue.Split('.');
            var forgedCookie = $"{cookieParts[0]}.{cookieParts[1]}.{new string('A', cookieParts[2].Length)}";
            using (var noSession = await host.Api.TokenAsync(forgedCookie))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, noSession.StatusCode);
            }

            using (var logout = await host.Api.LogoutAsync(login.CookieValue, token, "global"))
            {
                Assert.Equal(HttpStatusCode.OK, logout.StatusCode);
            }

            await host.Api.AssertRefusedWithinBoundAsync(token);

            using (var ended = await host.Api.TokenAsync(login.CookieValue))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
            }
        }
        finally
        {
            // Stopped first, so its shutdown is captured too.
            await host.DisposeAsync();
        }

        var entries = capture.Entries;

        // The capture works: it saw the service's own logging at Information and framework logging at Trace.
        Assert.Contains(entries, e => e.Category.StartsWith("ServerlessAuth", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.Level == LogLevel.Trace);
        Assert.Contains(entries, e => e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && e.Message.Contains("/api/auth/login", StringComparison.Ordinal));

        var secrets = new Dictionary<string, string>
        {
            ["password"] = TestSettings.Password,
            ["wrong password"] = WrongPassword,
            ["session cookie"] = login.CookieValue,
            ["session cookie secret"] = login.CookieValue.Split('.')[2],
            ["access token"] = token,
            ["access token signature"] = token.Split('.')[2],
        };
        // The secret part of the version: the private scalar of an ES256 key, the HMAC secret of an HS256 one.
        var secretKey = key.Ec?.ExportParameters(includePrivateParameters: true).D ?? key.Key;
        secrets["signing key (base64)"] = Convert.ToBase64String(secretKey);
        secrets["signing key (base64url)"] = Jwt.ToBase64Url(secretKey);
        secrets["signing key (hex)"] = Convert.ToHexString(secretKey);
        if (key.Ec is { } ec)
        {
            secrets["signing key (PKCS#8 base64)"] = Convert.ToBase64String(ec.ExportPkcs8PrivateKey())[..40];
        }

        foreach (var entry in entries)
        {
            var text = entry.ToString();
            foreach (var (what, secret) in secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"The {what} appears in a log entry: {entry}");
            }
        }
    }
}
