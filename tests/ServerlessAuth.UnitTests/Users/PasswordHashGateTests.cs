using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Telemetry;
using ServerlessAuth.UnitTests.Fakes;
using ServerlessAuth.Users;

namespace ServerlessAuth.UnitTests.Users;

public sealed class PasswordHashGateTests
{
    private static readonly ServiceProvider Metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static PasswordHashGate Gate(AuthOptions options, AuthMetrics? metrics = null) =>
        new(Options.Create(options), metrics ?? new AuthMetrics(Metrics.GetRequiredService<IMeterFactory>()));

    private static AuthOptions With(int permits, TimeSpan queueTimeout) => new()
    {
        Issuer = "https://auth.test.example/api/auth",
        Audience = "https://api.test.example",
        PasswordHashIterations = 1000,
        PasswordHashConcurrency = permits,
        PasswordHashQueueTimeout = queueTimeout,
    };

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(0, 2, 1)]
    [InlineData(0, 8, 7)]
    [InlineData(3, 2, 3)]
    public void Permits_leave_a_core_free_unless_set(int configured, int cores, int expected) =>
        Assert.Equal(expected, PasswordHashGate.PermitsFor(configured, cores));

    [Fact]
    public void The_defaults_derive_the_permits_and_wait_five_seconds()
    {
        var options = new AuthOptions();
        Assert.Equal(0, options.PasswordHashConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PasswordHashQueueTimeout);
        using var gate = Gate(With(0, TimeSpan.FromSeconds(5)));
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), gate.Permits);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task With_every_permit_taken_past_the_wait_bound_the_overflow_is_refused_busy(int waitMilliseconds)
    {
        var refusals = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AuthMetrics.MeterName && instrument.Name == "serverlessauth.password_hash.refused")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref refusals, value));
        listener.Start();

        using var gate = Gate(With(1, TimeSpan.FromMilliseconds(waitMilliseconds)));
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        var first = gate.RunAsync(() => { running.Set(); release.Wait(); return 1; }, CancellationToken.None);
        running.Wait();

        var busy = await Assert.ThrowsAsync<PasswordHashingBusyException>(() => gate.RunAsync(() => 2, CancellationToken.None));

        Assert.True(busy.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(1, Interlocked.Read(ref refusals));
        release.Set();
        Assert.Equal(1, await first);
        // The permit came back: the next hash runs.
        Assert.Equal(3, await gate.RunAsync(() => 3, CancellationToken.None));
    }

    [Fact]
    public async Task A_hash_waits_its_turn_within_the_bound_and_then_runs()
    {
        using var gate = Gate(With(1, TimeSpan.FromMinutes(1)));
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        var first = gate.RunAsync(() => { running.Set(); release.Wait(); return 1; }, CancellationToken.None);
        running.Wait();
        var ran = 0;

        var second = gate.RunAsync(() => Interlocked.Increment(ref ran), CancellationToken.None);
        await Task.Delay(50);
        Assert.Equal(0, Volatile.Read(ref ran));
        release.Set();

        Assert.Equal(1, await second);
        Assert.Equal(1, await first);
    }

    [Fact]
    public async Task A_caller_that_gives_up_while_waiting_is_cancelled_not_refused()
    {
        using var gate = Gate(With(1, TimeSpan.FromMinutes(1)));
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        var first = gate.RunAsync(() => { running.Set(); release.Wait(); return 1; }, CancellationToken.None);
        running.Wait();
        using var gaveUp = new CancellationTokenSource();

        var waiting = gate.RunAsync(() => 2, gaveUp.Token);
        await gaveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.Set();
        await first;
    }

    [Fact]
    public async Task The_password_check_refuses_busy_without_reading_a_verdict()
    {
        var users = new InMemoryUserStore();
        var hasher = new CountingHasher();
        using var gate = Gate(With(1, TimeSpan.Zero));
        var authenticator = new PasswordAuthenticator(users, hasher, gate);
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        var blocker = gate.RunAsync(() => { running.Set(); release.Wait(); return 0; }, CancellationToken.None);
        running.Wait();

        await Assert.ThrowsAsync<PasswordHashingBusyException>(() => authenticator.CheckAsync("nobody", "pw", CancellationToken.None));

        Assert.Equal(0, hasher.Verifications);
        release.Set();
        await blocker;
    }

    [Fact]
    public async Task The_start_up_warm_up_makes_the_decoy_so_the_first_unknown_user_login_hashes_like_the_rest()
    {
        var hasher = new CountingHasher();
        using var gate = Gate(With(1, TimeSpan.FromSeconds(5)));
        var authenticator = new PasswordAuthenticator(new InMemoryUserStore(), hasher, gate);
        Assert.False(authenticator.IsWarm);

        await new DecoyHashWarmUp(authenticator).StartAsync(CancellationToken.None);

        Assert.True(authenticator.IsWarm);
        Assert.Equal(1, hasher.Hashes);
        for (var i = 1; i <= 2; i++)
        {
            Assert.Null((await authenticator.CheckAsync("nobody", "pw", CancellationToken.None)).User);
            // One verification each, and no hash of the decoy during a login.
            Assert.Equal(1, hasher.Hashes);
            Assert.Equal(i, hasher.Verifications);
        }
    }

    private sealed class CountingHasher : IPasswordHasher<UserAccount>
    {
        private readonly PasswordHasher<UserAccount> _inner = new(Options.Create(new PasswordHasherOptions { IterationCount = 1000 }));
        private int _hashes;
        private int _verifications;

        public int Hashes => Volatile.Read(ref _hashes);

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(UserAccount user, string password)
        {
            Interlocked.Increment(ref _hashes);
            return _inner.HashPassword(user, password);
        }

        public PasswordVerificationResult VerifyHashedPassword(UserAccount user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
