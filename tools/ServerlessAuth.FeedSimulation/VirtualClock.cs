namespace ServerlessAuth.FeedSimulation;

/// <summary>
/// The simulation's one clock and its agenda: actions run in time order, and time jumps from one to
/// the next, so a minute of 1,000 instances costs only the work the code under test does.
/// </summary>
public sealed class VirtualClock(DateTimeOffset start)
{
    private readonly PriorityQueue<Action, (long Ticks, long Sequence)> _agenda = new();
    private long _sequence;

    public DateTimeOffset Now { get; private set; } = start;

    public void At(DateTimeOffset when, Action action) =>
        _agenda.Enqueue(action, ((when < Now ? Now : when).UtcTicks, _sequence++));

    public void RunUntil(DateTimeOffset end)
    {
        while (_agenda.TryPeek(out _, out var key) && key.Ticks <= end.UtcTicks)
        {
            var action = _agenda.Dequeue();
            Now = new DateTimeOffset(key.Ticks, TimeSpan.Zero);
            action();
        }

        Now = end;
    }
}

/// <summary>One instance's view of the virtual clock: off by a fixed amount, as a host's clock may be.</summary>
public sealed class InstanceClock(VirtualClock clock, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset => offset;

    public override DateTimeOffset GetUtcNow() => clock.Now + offset;
}
