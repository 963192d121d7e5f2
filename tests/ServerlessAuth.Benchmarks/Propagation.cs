using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Revocation;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Users;
using ServerlessAuth.WebHost;

namespace ServerlessAuth.Benchmarks;

/// <summary>
/// Two instances of the standalone host on one Azurite (in this process, each with its own container,
/// replica and HTTPS port), measured over loopback:
/// <list type="bullet">
/// <item>propagation: revoke through A (local logout, global logout, user disable, emergency key
/// rotation), then poll B's /me every 5 ms until refused; the time from the revoking call's return;</item>
/// <item>storage transactions (HTTP requests to Table Storage, retries included, counted by an Azure
/// SDK pipeline policy) per 1,000 protected requests on B, in Replica and in Strict mode.</item>
/// </list>
/// Usage: propagation CONNECTION_STRING [logouts=100]
/// </summary>
internal static class Propagation
{
    private const string Password = "bench-password-1";

    public static async Task<int> RunAsync(string[] args)
    {
        var connection = args[0];
        var logouts = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var prefix = "p" + Guid.NewGuid().ToString("N")[..10];

        await using var a = await Instance.StartAsync(connection, prefix, "Replica", first: true);
        await using var b = await Instance.StartAsync(connection, prefix, "Replica", first: false);
        Console.WriteLine($"poll interval {b.Setting("Revocation:PollInterval") ?? "00:00:01 (default)"}");

        await MeasureAsync("local logout", logouts, a, b, async (user, cookie, token) =>
            (await a.PostAsync("api/auth/logout", cookie, token, "{}")).EnsureSuccessStatusCode());
        await MeasureAsync("global logout", Math.Max(10, logouts / 3), a, b, async (user, cookie, token) =>
            (await a.PostAsync("api/auth/logout", cookie, token, "{\"scope\":\"global\"}")).EnsureSuccessStatusCode());
        await MeasureAsync("user disable", Math.Max(10, logouts / 3), a, b, async (user, cookie, token) =>
            await a.Services.GetRequiredService<UserAdministration>().DisableAsync(user, CancellationToken.None));
        await MeasureAsync("emergency key rotation", Math.Max(5, logouts / 10), a, b, async (user, cookie, token) =>
            await a.Services.GetRequiredService<KeyRotation>().RotateAsync(emergency: true, endSessions: false, CancellationToken.None));

        await CountTransactionsAsync(a, b);
        await using var strict = await Instance.StartAsync(connection, prefix, "Strict", first: false);
        await CountTransactionsAsync(a, strict);
        return 0;
    }

    private static async Task MeasureAsync(string what, int samples, Instance a, Instance b, Func<UserAccount, string, string, Task> revoke)
    {
        var times = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var (user, cookie, token) = await AcceptedByBothAsync(a, b);

            // A random phase against B's polls: right after a refusal is seen B has just polled, so
            // revoking at once would always measure nearly a whole interval.
            await Task.Delay(Random.Shared.Next(0, 1000));
            await revoke(user, cookie, token);
            var watch = Stopwatch.StartNew();
            while (true)
            {
                using var me = await b.MeAsync(token);
                if (me.StatusCode == HttpStatusCode.Unauthorized)
                {
                    break;
                }

                if (me.StatusCode != HttpStatusCode.OK || watch.Elapsed > TimeSpan.FromSeconds(30))
                {
                    throw new InvalidOperationException($"{what}: B answered {(int)me.StatusCode} after {watch.Elapsed}");
                }

                await Task.Delay(5);
            }

            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"{what}: n={times.Count} p50={Percentile(times, 0.50):0} ms p99={Percentile(times, 0.99):0} ms max={times[^1]:0} ms"));
    }

    /// <summary>
    /// A fresh login on A whose token B accepts. Right after a key rotation A may still sign with the
    /// old key until it has seen the rotation itself (within a poll): then it logs in again.
    /// </summary>
    private static async Task<(UserAccount User, string Cookie, string Token)> AcceptedByBothAsync(Instance a, Instance b)
    {
        for (var attempt = 0; ; attempt++)
        {
            var login = await a.LoginAsync();
            using var me = await b.MeAsync(login.Token);
            if (me.StatusCode == HttpStatusCode.OK)
            {
                return login;
            }

            if (attempt == 50)
            {
                throw new InvalidOperationException($"B refuses A's fresh tokens: {(int)me.StatusCode}.");
            }

            await Task.Delay(100);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Protected requests on B for 5 s (so that its polls are counted too), then transactions per 1,000 requests.</summary>
    private static async Task CountTransactionsAsync(Instance a, Instance b)
    {
        var (_, _, token) = await AcceptedByBothAsync(a, b);
        var before = b.StorageRequests;
        var watch = Stopwatch.StartNew();
        var requests = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            (await b.MeAsync(token)).EnsureSuccessStatusCode();
            requests++;
        }

        var counted = b.StorageRequests - before;
        Console.WriteLine(FormattableString.Invariant(
            $"{b.Mode} mode: {counted} storage transactions for {requests} protected requests in {watch.Elapsed.TotalSeconds:0.0} s = {counted * 1000.0 / requests:0.0} per 1,000 requests"));
    }

    /// <summary>Counts every HTTP request the Azure SDK sends (each retry too).</summary>
    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        public long Count;

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref Count);
    }

    private sealed class Instance : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly RequestCounter _counter;
        private readonly HttpClient _client;
        private readonly Dictionary<string, string> _settings;

        private Instance(WebApplication app, RequestCounter counter, Dictionary<string, string> settings, string mode)
        {
            _app = app;
            _counter = counter;
            _settings = settings;
            Mode = mode;
            var handler = new SocketsHttpHandler { UseCookies = false };
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true; // loopback, development certificate
            _client = new HttpClient(handler) { BaseAddress = new Uri(app.Urls.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/") };
        }

        public string Mode { get; }

        public IServiceProvider Services => _app.Services;

        public long StorageRequests => Interlocked.Read(ref _counter.Count);

        public string? Setting(string key) => _settings.GetValueOrDefault(key) ?? Environment.GetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal));

        public static async Task<Instance> StartAsync(string connection, string prefix, string mode, bool first)
        {
            var settings = new Dictionary<string, string>
            {
                ["AuthStorage:ConnectionString"] = connection,
                ["AuthStorage:TablePrefix"] = prefix,
                ["Auth:Issuer"] = "https://propagation.bench/api/auth",
                ["Auth:Audience"] = "bench",
                ["Auth:PasswordHashIterations"] = "1000",
                ["Auth:LoginAttemptsPerMinute"] = "100000",
                ["Revocation:Mode"] = mode,
                ["Logging:LogLevel:Default"] = "Warning",
            };
            string[] args = ["--environment", "Development", "--urls", "https://127.0.0.1:0", .. settings.Select(s => $"--{s.Key}={s.Value}")];
            var counter = new RequestCounter();
            var app = ServerlessAuthWebApp.Build(args, builder =>
                builder.Services.AddAzureClients(clients => clients.ConfigureDefaults(o => o.AddPolicy(counter, HttpPipelinePosition.PerRetry))));
            if (first)
            {
                await app.EnsureTablesAsync();
                await app.Services.GetRequiredService<ISigningKeyAdministration>().AddVersionAsync(CancellationToken.None);
            }

            await app.StartAsync();
            return new Instance(app, counter, settings, mode);
        }

        public async Task<(UserAccount User, string Cookie, string Token)> LoginAsync()
        {
            var user = await _app.Services.GetRequiredService<UserAdministration>()
                .AddAsync("bench-" + Guid.NewGuid().ToString("N")[..12], Password, CancellationToken.None);
            using var login = await _client.PostAsJsonAsync("api/auth/login", new { username = user.Username, password = Password });
            login.EnsureSuccessStatusCode();
            var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];
            using var token = await PostAsync("api/auth/token", cookie, null, null);
            token.EnsureSuccessStatusCode();
            var body = await token.Content.ReadFromJsonAsync<JsonElement>();
            return (user, cookie, body.GetProperty("access_token").GetString()!);
        }

        public Task<HttpResponseMessage> MeAsync(string token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "api/auth/me");
            request.Headers.Authorization = new("Bearer", token);
            return _client.SendAsync(request);
        }

        public Task<HttpResponseMessage> PostAsync(string path, string cookie, string? token, string? json)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path);
            request.Headers.Add("Cookie", $"__Host-session={cookie}");
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            if (json is not null)
            {
                request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
            }

            return _client.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
