using System.Diagnostics;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>Bounded polling instead of fixed sleeps: check often, give up at a deadline.</summary>
public static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> at the deadline. Returns the time it took.</summary>
    public static async Task<TimeSpan> HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return watch.Elapsed;
            }

            if (watch.Elapsed > timeout)
            {
                Assert.Fail($"Not within {timeout.TotalSeconds:0.#} s: {what}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(250));
        }
    }
}
