using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ServerlessAuth.IntegrationTests.Infrastructure;
using ServerlessAuth.Lockout;
using ServerlessAuth.Users;

namespace ServerlessAuth.IntegrationTests.Tests;

/// <summary>Two instances on one prefix with a low lockout threshold and a short first lock.</summary>
public sealed class LockoutHostsFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    public const int Threshold = 3;
    public static readonly TimeSpan FirstLock = TimeSpan.FromSeconds(2);

    public static readonly Dictionary<string, string> Settings = new()
    {
        ["Auth:LockoutThreshold"] = Threshold.ToString(CultureInfo.InvariantCulture),
        ["Auth:LockoutDuration"] = "00:00:02",
        ["Auth:LockoutMaxDuration"] = "00:10:00",
    };

    private AuthHost? _a;
    private AuthHost? _b;

    public AuthHost A => _a ?? throw new InvalidOperationException("Host A has not started.");

    public AuthHost B => _b ?? throw new InvalidOperationException("Host B has not started.");

    public async Task InitializeAsync()
    {
        _a = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions { Settings = Settings });
        _b = await _a.StartSiblingAsync(Settings);
    }

    public async Task DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
    }
}

/// <summary>
/// Per-username lockout (held in storage, so across instances, and kept for unknown names too) and the
/// per-address login rate (per instance). Both answer the same 429 with Retry-After.
/// </summary>
[Collection(BruteForceCollection.Name)]
public sealed partial class BruteForceTests(LockoutHostsFixture hosts, AzuriteFixture azurite) : IClassFixture<LockoutHostsFixture>
{
    private const string WrongPassword = "not the password at all";
    private const int Threshold = LockoutHostsFixture.Threshold;

    private static async Task FailAsync(AuthHost host, string username, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await host.Api.LoginJsonAsync(username, WrongPassword);
            await Responses.AssertProblemAsync(response, HttpStatusCode.Unauthorized, "invalid_credentials");
        }
    }

    /// <summary>Asserts a 429 too_many_attempts with a Retry-After in seconds; returns the body without traceId and the seconds.</summary>
    private static async Task<(string Body, int RetryAfter)> AssertTooManyAsync(HttpResponseMessage response)
    {
        await Responses.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "too_many_attempts");
        Responses.AssertNoSessionCookieIsSet(response);
        var retryAfter = response.Headers.RetryAfter;
        Assert.True(retryAfter?.Delta is not null, $"429 without Retry-After in seconds: {retryAfter}");
        var seconds = (int)retryAfter.Delta!.Value.TotalSeconds;
        Assert.True(seconds >= 1, $"Retry-After {seconds}");
        return (TraceId().Replace(await response.Content.ReadAsStringAsync(), ""), seconds);
    }

    [Fact]
    public async Task After_threshold_failures_even_the_right_password_gets_429_and_an_unknown_name_looks_the_same()
    {
        var user = await hosts.A.AddUserAsync();
        var unknown = AuthHost.NewUsername();

        await FailAsync(hosts.A, user.Username, Threshold);
        await FailAsync(hosts.A, unknown, Threshold);

        using var known = await hosts.A.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        var (knownBody, knownRetry) = await AssertTooManyAsync(known);
        using var missing = await hosts.A.Api.LoginJsonAsync(unknown, TestSettings.Password);
        var (missingBody, missingRetry) = await AssertTooManyAsync(missing);

        // The lockout reveals nothing: same status, code, body and (first-lock) wait.
        Assert.Equal(knownBody, missingBody);
        Assert.InRange(knownRetry, 1, (int)LockoutHostsFixture.FirstLock.TotalSeconds);
        Assert.InRange(missingRetry, 1, (int)LockoutHostsFixture.FirstLock.TotalSeconds);
        Assert.DoesNotContain(user.Username, knownBody, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_lock_grows_with_each_failure_after_it_passes()
    {
        var user = await hosts.A.AddUserAsync();
        Assert.True(Usernames.TryNormalize(user.Username, out var normalized, out _));
        var failures = hosts.A.Service<ILoginFailureStore>();

        await FailAsync(hosts.A, user.Username, Threshold);
        using var first = await hosts.A.Api.LoginJsonAsync(user.Username, WrongPassword);
        var (_, firstRetry) = await AssertTooManyAsync(first);
        var firstLock = await failures.GetAsync(normalized, CancellationToken.None);
        Assert.Equal(LockoutHostsFixture.FirstLock, firstLock!.LockedUntil - firstLock.LastFailureAt);

        // Wait the lock out (bounded), then fail once more: a longer lock.
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await hosts.A.Api.LoginJsonAsync(user.Username, WrongPassword);
            Assert.True(response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Unauthorized, $"login answered {(int)response.StatusCode}");
            return response.StatusCode == HttpStatusCode.Unauthorized;
        }, LockoutHostsFixture.FirstLock + TimeSpan.FromSeconds(3), "the first lock to pass", TimeSpan.FromMilliseconds(200));

        using var second = await hosts.A.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        var (_, secondRetry) = await AssertTooManyAsync(second);
        var secondLock = await failures.GetAsync(normalized, CancellationToken.None);
        Assert.Equal(2 * LockoutHostsFixture.FirstLock, secondLock!.LockedUntil - secondLock.LastFailureAt);

        // Asked right after the failure that started it, the second lock outlasts the whole first one.
        Assert.True(secondRetry > LockoutHostsFixture.FirstLock.TotalSeconds && secondRetry > firstRetry,
            $"first lock Retry-After {firstRetry} s, second {secondRetry} s");
        Assert.True(secondRetry <= 2 * LockoutHostsFixture.FirstLock.TotalSeconds, $"second lock Retry-After {secondRetry} s");
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        var user = await hosts.A.AddUserAsync();

        for (var round = 0; round < 3; round++)
        {
            await FailAsync(hosts.A, user.Username, Threshold - 1);
            using var success = await hosts.A.Api.LoginJsonAsync(user.Username, TestSettings.Password);
            await Responses.AssertStatusAsync(success, HttpStatusCode.OK, $"login after {Threshold - 1} failures in round {round}");
        }
    }

    [Fact]
    public async Task A_lock_made_on_one_instance_holds_on_another()
    {
        var user = await hosts.A.AddUserAsync();

        await FailAsync(hosts.A, user.Username, Threshold - 1);
        await FailAsync(hosts.B, user.Username, 1);

        // Counted together: locked on both.
        using var onA = await hosts.A.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        await AssertTooManyAsync(onA);
        using var onB = await hosts.B.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        await AssertTooManyAsync(onB);
    }

    [Fact]
    public async Task Unlock_clears_a_lock_at_once()
    {
        var user = await hosts.A.AddUserAsync();
        await FailAsync(hosts.A, user.Username, Threshold);
        using (var locked = await hosts.B.Api.LoginJsonAsync(user.Username, TestSettings.Password))
        {
            await AssertTooManyAsync(locked);
        }

        // As 'serverlessauth-admin users unlock <name>' does it (any spelling of the name).
        Assert.True(Usernames.TryNormalize(user.Username.ToUpperInvariant(), out var normalized, out _));
        await hosts.A.Service<AccountLockout>().ResetAsync(normalized, CancellationToken.None);

        var login = await hosts.B.Api.LoginAsync(user);
        await hosts.B.Api.GetTokenAsync(login.CookieValue);
    }

    [Fact]
    public async Task Parallel_failures_all_count_and_never_fail_the_request()
    {
        var user = await hosts.A.AddUserAsync();
        Assert.True(Usernames.TryNormalize(user.Username, out var normalized, out _));

        // A burst of wrong passwords at once, half through each instance (as a distributed guesser would
        // send them): each is answered 401 (counted) or 429 (already locked); none is lost to a write
        // conflict on the failure counter, and none is a 5xx.
        const int Burst = 30;
        var attempts = Enumerable.Range(0, Burst).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? hosts.A : hosts.B).Api.LoginJsonAsync(user.Username, WrongPassword);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        });
        var results = await Task.WhenAll(attempts);

        var counted = (await hosts.A.Service<ILoginFailureStore>().GetAsync(normalized, CancellationToken.None))?.Count ?? 0;
        var summary = string.Join(", ", results.GroupBy(r => (int)r.StatusCode).Select(g => $"{g.Key} x{g.Count()}"));
        var unexpected = results.Where(r => r.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests)).ToList();
        Assert.True(unexpected.Count == 0,
            $"Answers: {summary}; failures on record: {counted} of {Burst}. First unexpected: {unexpected.FirstOrDefault().Body}");
        Assert.Equal(results.Count(r => r.StatusCode == HttpStatusCode.Unauthorized), counted);

        using var after = await hosts.A.Api.LoginJsonAsync(user.Username, TestSettings.Password);
        await AssertTooManyAsync(after);
    }

    [Fact]
    public async Task The_per_address_rate_limit_answers_429_on_the_attempt_past_the_limit_whatever_the_username()
    {
        await using var host = await AuthHost.StartAsync(azurite.ConnectionString, new AuthHostOptions
        {
            Settings = new Dictionary<string, string> { ["Auth:LoginAttemptsPerMinute"] = "3" },
        });
        var user = await host.AddUserAsync();

        // Three attempts for three different names (one of them a good login).
        using (var first = await host.Api.LoginJsonAsync(AuthHost.NewUsername(), WrongPassword))
        {
            await Responses.AssertProblemAsync(first, HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var session = await host.Api.LoginAsync(user);

        using (var third = await host.Api.LoginJsonAsync(AuthHost.NewUsername(), WrongPassword))
        {
            await Responses.AssertProblemAsync(third, HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        // The fourth, with a fresh name and the right password of a real user alike: 429.
        using (var fourth = await host.Api.LoginJsonAsync(AuthHost.NewUsername(), WrongPassword))
        {
            var (_, retry) = await AssertTooManyAsync(fourth);
            Assert.InRange(retry, 1, 60);
        }

        using (var fifth = await host.Api.LoginJsonAsync(user.Username, TestSettings.Password))
        {
            await AssertTooManyAsync(fifth);
        }

        // A form login goes back to the sign-in page, which says it in words.
        using (var form = await host.Api.LoginFormAsync(("username", user.Username), ("password", TestSettings.Password)))
        {
            Assert.Equal(HttpStatusCode.SeeOther, form.StatusCode);
            Assert.StartsWith("/api/auth/signin?error=throttled&wait=", form.Headers.Location?.OriginalString);
            Assert.DoesNotContain(form.Headers, h => h.Key == "Set-Cookie");
        }

        // Only login is limited: the session from the second attempt still gets tokens.
        await host.Api.GetMeAsync(await host.Api.GetTokenAsync(session.CookieValue));
    }

    [GeneratedRegex("\"traceId\"\\s*:\\s*\"[^\"]*\"")]
    private static partial Regex TraceId();
}
