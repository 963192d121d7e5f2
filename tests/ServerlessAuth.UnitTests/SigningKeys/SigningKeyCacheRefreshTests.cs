using ServerlessAuth.SigningKeys;
using ServerlessAuth.UnitTests.TestSupport;

namespace ServerlessAuth.UnitTests.SigningKeys;

/// <summary>
/// How refreshes and requests meet: a cached ring answers at once while a refresh hangs, an unknown
/// kid waits at most the storage timeout, and a refresh requested during a load runs once after it.
/// </summary>
public sealed class SigningKeyCacheRefreshTests
{
    private static readonly DateTimeOffset Start = AuthHarness.Start;

    private readonly GatedSource _source = new();
    private readonly AuthHarness _harness;
    private readonly TestKey _key = TestKey.Create("v1");

    public SigningKeyCacheRefreshTests()
    {
        _source.Versions = [new SigningKeyVersion(_key.Id, true, Start.AddDays(-1), Value: _key.Value)];
        _harness = new AuthHarness(_ => _source);
    }

    private SigningKeyCache Cache => _harness.Keys;

    /// <summary>
    /// Answers at once, unless a test holds the next load: then that load waits for <see cref="Release"/>
    /// and ignores cancellation, like a call stuck on the network.
    /// </summary>
    private sealed class GatedSource : ISigningKeySource
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource? _held;
        private int _loads;

        public IReadOnlyList<SigningKeyVersion> Versions { get; set; } = [];

        public int LoadCount => Volatile.Read(ref _loads);

        public string Description => "gated test source";

        /// <summary>Loads started from now on wait until <see cref="Release"/>.</summary>
        public void Hold()
        {
            lock (_gate)
            {
                _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Release()
        {
            TaskCompletionSource? held;
            lock (_gate)
            {
                held = _held;
                _held = null;
            }

            held?.SetResult();
        }

        /// <summary>Completes when the load numbered <paramref name="count"/> has started.</summary>
        public Task LoadStarted(int count)
        {
            lock (_gate)
            {
                if (_loads >= count)
                {
                    return Task.CompletedTask;
                }

                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, started));
                return started.Task;
            }
        }

        private readonly List<(int Count, TaskCompletionSource Started)> _waiters = [];

        public async Task<IReadOnlyList<SigningKeyVersion>> LoadAsync(IReadOnlyDictionary<string, string> knownValues, CancellationToken cancellationToken)
        {
            Task? wait;
            lock (_gate)
            {
                _loads++;
                wait = _held?.Task;
                foreach (var waiter in _waiters.Where(w => w.Count <= _loads).ToList())
                {
                    waiter.Started.SetResult();
                    _waiters.Remove(waiter);
                }
            }

            if (wait is not null)
            {
                await wait;
            }

            return Versions.ToList();
        }
    }

    [Fact]
    public async Task A_due_refresh_that_hangs_does_not_hold_up_a_request_while_a_ring_is_cached()
    {
        var cached = await Cache.GetAsync(CancellationToken.None);
        _source.Hold();
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);

        var pending = Cache.GetAsync(CancellationToken.None);

        Assert.True(pending.IsCompleted);
        Assert.Same(cached, await pending);
        Assert.Equal(2, _source.LoadCount); // the refresh did start, in the background
        Assert.True(Cache.GetAsync(CancellationToken.None).IsCompleted);
        _source.Release();
    }

    [Fact]
    public async Task An_unknown_kid_refresh_waits_at_most_the_storage_timeout_then_answers_with_the_cached_ring()
    {
        var cached = await Cache.GetAsync(CancellationToken.None);
        _source.Hold();

        var refresh = Cache.RefreshForUnknownKeyAsync(CancellationToken.None).AsTask();
        Assert.Equal(2, _source.LoadCount);
        _harness.Time.Advance(_harness.Storage.OperationTimeout - TimeSpan.FromTicks(1));
        Assert.False(refresh.IsCompleted);

        _harness.Time.Advance(TimeSpan.FromTicks(2));

        Assert.Same(cached, await refresh);
        _source.Release();
    }

    [Fact]
    public async Task An_unknown_kid_token_is_refused_after_the_timeout_not_left_waiting()
    {
        await Cache.GetAsync(CancellationToken.None);
        _source.Hold();
        var stranger = _harness.Forge(TestKey.Create("v-unknown"));

        var validation = _harness.ValidateSignedAsync(stranger);
        await _source.LoadStarted(2).WaitAsync(TimeSpan.FromSeconds(30));

        // The wait's timer may be set just after the load starts: advance until it has fired, within a bound.
        for (var i = 0; i < 100 && !validation.IsCompleted; i++)
        {
            _harness.Time.Advance(_harness.Storage.OperationTimeout);
            await Task.Delay(10);
        }

        Assert.Equal("The token is signed with an unknown or retired key.", (await validation).Error);
        Assert.Equal(2, _source.LoadCount);
        _source.Release();
    }

    [Fact]
    public async Task A_refresh_requested_during_a_load_runs_once_more_after_it()
    {
        await Cache.GetAsync(CancellationToken.None);
        _source.Hold();
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        Assert.True(Cache.GetAsync(CancellationToken.None).IsCompleted); // starts load 2, which hangs
        Assert.Equal(2, _source.LoadCount);

        // The running load may have read the source before the change it is told about.
        var rotated = TestKey.Create("v2");
        _source.Versions = [.. _source.Versions, new SigningKeyVersion(rotated.Id, true, Start, Value: rotated.Value)];
        Cache.RequestRefresh();
        Cache.RequestRefresh();
        Assert.Equal(2, _source.LoadCount); // not a second load alongside
        var third = _source.LoadStarted(3);
        _source.Release();
        await third.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, _source.LoadCount);
    }

    [Fact]
    public async Task A_load_that_never_answers_ends_at_the_storage_timeout_so_later_refreshes_still_run()
    {
        var cached = await Cache.GetAsync(CancellationToken.None);
        _source.Hold(); // this load ignores its cancellation and never returns
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        Assert.True(Cache.GetAsync(CancellationToken.None).IsCompleted);
        Assert.Equal(2, _source.LoadCount);
        _harness.Time.Advance(_harness.Storage.OperationTimeout);

        // The source answers again; the next due refresh must reach it despite the stuck call.
        var rotated = TestKey.Create("v2");
        _source.Versions = [.. _source.Versions, new SigningKeyVersion(rotated.Id, true, Start, Value: rotated.Value)];
        var third = _source.LoadStarted(3);
        _harness.Time.Advance(_harness.KeyOptions.RefreshInterval);
        var request = Cache.GetAsync(CancellationToken.None);
        Assert.True(request.IsCompleted);
        Assert.Same(cached, await request);
        await third.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, _source.LoadCount);
    }
}
