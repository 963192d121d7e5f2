namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>
/// The system clock moved by a fixed offset: one host of a test whose clock is off, as a host in Azure
/// may be. Timers and timestamps stay the system's (only the wall clock is wrong).
/// </summary>
public sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset => offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
