namespace ServerlessAuth.FeedSimulation;

/// <summary>
/// Round-trip times to Table Storage from an instance in the same region. Azure documents no
/// latency target for tables, so the body is log-normal around a few milliseconds (as measured
/// in-region); a rare tail of 0.5 s up to the storage timeout stands in for throttling, failovers and
/// the SDK's retries, and is what makes inserts land late. Seeded: runs repeat.
/// </summary>
public sealed class LatencyModel(int seed)
{
    private readonly Random _random = new(seed);

    public double MedianMs { get; init; } = 8;

    /// <summary>Log-normal sigma: with 0.5, p99 is about 3.2x the median.</summary>
    public double Sigma { get; init; } = 0.5;

    /// <summary>Share of calls in the slow tail.</summary>
    public double SlowShare { get; init; } = 0.001;

    public TimeSpan SlowMax { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Server time and transfer per row returned (about 300 bytes each).</summary>
    public TimeSpan PerRow { get; init; } = TimeSpan.FromMicroseconds(10);

    public TimeSpan Read() => Draw();

    public TimeSpan Write() => Draw();

    public TimeSpan Transfer(int rows) => PerRow * rows;

    private TimeSpan Draw()
    {
        if (_random.NextDouble() < SlowShare)
        {
            return TimeSpan.FromMilliseconds(500 + _random.NextDouble() * (SlowMax.TotalMilliseconds - 500));
        }

        // Box-Muller: one standard normal draw.
        var normal = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
        return TimeSpan.FromMilliseconds(MedianMs * Math.Exp(Sigma * normal));
    }
}
