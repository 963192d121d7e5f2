namespace ServerlessAuth.Storage;

/// <summary>
/// A store could not be read or written (unreachable, throttled, timed out). Callers fail closed:
/// the HTTP layer answers 503, and no credential whose state could not be read is accepted.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null)
    : Exception(message, inner);
