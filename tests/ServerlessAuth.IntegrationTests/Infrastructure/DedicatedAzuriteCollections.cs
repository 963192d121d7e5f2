namespace ServerlessAuth.IntegrationTests.Infrastructure;

// Each collection below gets an Azurite of its own (xunit makes one collection fixture per collection),
// so its classes run in parallel with the shared "Azurite" collection and may stop their storage,
// or wait for clocks, without disturbing anyone else.

/// <summary>Key rotation: waits for key refreshes, so it runs beside the rest.</summary>
[CollectionDefinition(Name)]
public sealed class KeyRotationCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (key rotation)";
}

/// <summary>Storage faults: stops and starts its Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class FaultsCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (faults)";
}

/// <summary>Storage freezes: suspends and resumes its Azurite.</summary>
[CollectionDefinition(Name)]
public sealed class FreezeCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (freeze)";
}

/// <summary>Brute force: waits for lockouts to pass.</summary>
[CollectionDefinition(Name)]
public sealed class BruteForceCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (brute force)";
}

/// <summary>The revocation feed: stops and starts its Azurite to make replicas stale.</summary>
[CollectionDefinition(Name)]
public sealed class RevocationFeedCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (revocation feed)";
}

/// <summary>Concurrent load in Strict mode: queues many reads, so it gets an Azurite nobody else waits on.</summary>
[CollectionDefinition(Name)]
public sealed class LoadCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (load)";
}

/// <summary>HTTP contract tests through the Functions worker: each class starts worker processes, so they run beside the rest.</summary>
[CollectionDefinition(Name)]
public sealed class FunctionsCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (Functions worker)";
}

/// <summary>
/// Logins at the real hashing cost, 100 at once: it measures what one instance does with the whole machine,
/// so it runs alone, after the parallel collections, on an Azurite of its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoginLoadCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite (login load, alone)";
}
