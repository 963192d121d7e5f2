using Microsoft.Extensions.Options;
using ServerlessAuth.Storage;

namespace ServerlessAuth.Sessions;

/// <summary>
/// A grace window shorter than a client's retry after a 503 would take the retry for reuse and log the
/// client out whenever storage is slow: refused at start-up. 0 (no grace at all) stays allowed.
/// </summary>
public sealed class RefreshGraceValidation(IOptions<StorageOptions> storage) : IValidateOptions<AuthOptions>
{
    public static TimeSpan ShortestGraceWindow(StorageOptions storage) => storage.OperationTimeout + AuthOptions.UnavailableRetryAfter;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var shortest = ShortestGraceWindow(storage.Value);
        return options.RefreshReuseGraceWindow == TimeSpan.Zero || options.RefreshReuseGraceWindow >= shortest
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Auth:RefreshReuseGraceWindow must be 0 (off) or at least AuthStorage:OperationTimeout + the 503's Retry-After "
                + $"({shortest.TotalSeconds:0.#} s), so that a client retrying after a storage timeout is not taken for a thief.");
    }
}
