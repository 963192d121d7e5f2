namespace ServerlessAuth.SigningKeys;

/// <summary>
/// One load in flight at a time, shared by everyone who asks meanwhile. A forced request during a load
/// runs one more after it, since the running one may have read before the change it is told about.
/// </summary>
internal sealed class CoalescedReload
{
    private readonly Lock _gate = new();
    private Task? _load;
    private bool _loadAgain;

    /// <summary>The last load started, finished or not; null before the first.</summary>
    public Task? Current
    {
        get
        {
            lock (_gate)
            {
                return _load;
            }
        }
    }

    /// <summary>The load in flight, or a new one of <paramref name="loadOnce"/> if there is none.</summary>
    /// <param name="loadOnce">One load; must not throw (it keeps its own failures).</param>
    /// <param name="starting">Runs, under the lock, when a new load begins (not for the extra runs).</param>
    public Task Start(bool force, Func<Task> loadOnce, Action? starting = null)
    {
        lock (_gate)
        {
            if (_load is { IsCompleted: false })
            {
                _loadAgain |= force;
                return _load;
            }

            starting?.Invoke();
            _load = LoadLoopAsync(loadOnce);
            return _load;
        }
    }

    private async Task LoadLoopAsync(Func<Task> loadOnce)
    {
        bool again;
        do
        {
            await loadOnce();
            lock (_gate)
            {
                again = _loadAgain;
                _loadAgain = false;
            }
        }
        while (again);
    }
}
