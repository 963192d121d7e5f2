using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using ServerlessAuth.Storage;

namespace ServerlessAuth.TableStorage;

/// <summary>
/// The one place where a storage failure becomes <see cref="StorageUnavailableException"/>: every call
/// is bounded by <see cref="StorageOptions.OperationTimeout"/> (the SDK's own retries run inside it).
/// </summary>
internal static class TableCall
{
    public static async Task<T> RunAsync<T>(AuthTables tables, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(tables.OperationTimeout);
        var started = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            var result = await call(timeout.Token);
            outcome = "ok";
            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = "timeout";
            throw new StorageUnavailableException($"Table Storage did not answer within {tables.OperationTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException or Azure.Identity.AuthenticationFailedException)
        {
            throw new StorageUnavailableException($"Table Storage failed: {Summarize(ex)}", ex);
        }
        finally
        {
            tables.Metrics.StorageCall(Stopwatch.GetElapsedTime(started), cancellationToken.IsCancellationRequested && outcome != "ok" ? "cancelled" : outcome);
        }
    }

    public static Task RunAsync(AuthTables tables, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RunAsync(tables, async ct => { await call(ct); return true; }, cancellationToken);

    /// <summary>
    /// An insert that may be retried. When the SDK retries an AddEntity whose first attempt landed but whose
    /// answer was lost (a network timeout under load), the retry finds the row and gets 409: that is our
    /// own write, not a failure. <paramref name="isOwnWrite"/> tells it from a row someone else wrote with the
    /// same key, read back; null when the key is random and unique to this write, so a 409 can only be ours.
    /// A row that is not ours fails as before (<see cref="StorageUnavailableException"/> over the 409).
    /// </summary>
    public static async Task InsertAsync<T>(AuthTables tables, TableClient table, T entity, Func<T, bool>? isOwnWrite, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        try
        {
            await RunAsync(tables, ct => table.AddEntityAsync(entity, ct), cancellationToken);
        }
        catch (StorageUnavailableException ex) when (ex.InnerException is RequestFailedException { Status: 409, ErrorCode: "EntityAlreadyExists" })
        {
            if (isOwnWrite is null)
            {
                return;
            }

            var stored = await PointReadAsync<T>(tables, table, entity.PartitionKey, entity.RowKey, null, cancellationToken);
            if (stored is null || !isOwnWrite(stored))
            {
                throw;
            }
        }
    }

    /// <summary>
    /// A point read: the row, or null when it does not exist. A missing table also answers 404, but
    /// that is a broken deployment, not an absent row: it fails closed like any other storage fault.
    /// </summary>
    public static async Task<T?> PointReadAsync<T>(AuthTables tables, TableClient table, string partitionKey, string rowKey, IEnumerable<string>? select, CancellationToken cancellationToken)
        where T : class, ITableEntity =>
        (await TimedPointReadAsync<T>(tables, table, partitionKey, rowKey, select, cancellationToken)).Row;

    /// <summary>
    /// <see cref="PointReadAsync{T}"/>, with when the service answered by its own clock (the response's
    /// <c>Date</c> header, whole seconds), to compare with the row's server-set <c>Timestamp</c>.
    /// </summary>
    public static async Task<(T? Row, DateTimeOffset? AnsweredAt)> TimedPointReadAsync<T>(
        AuthTables tables, TableClient table, string partitionKey, string rowKey, IEnumerable<string>? select, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var response = await RunAsync(tables, ct => table.GetEntityIfExistsAsync<T>(partitionKey, rowKey, select, ct), cancellationToken);
        var raw = response.GetRawResponse();
        if (response.HasValue)
        {
            return (response.Value, raw.Headers.Date);
        }

        if (raw.Headers.TryGetValue("x-ms-error-code", out var code) && code == "TableNotFound"
            || raw.Content?.ToString().Contains("TableNotFound", StringComparison.Ordinal) == true)
        {
            throw new StorageUnavailableException($"Table Storage failed: table '{table.Name}' does not exist.");
        }

        return (null, raw.Headers.Date);
    }

    private static string Summarize(Exception ex) => ex switch
    {
        RequestFailedException { Status: > 0 } rfe => $"HTTP {rfe.Status} {rfe.ErrorCode}",
        AggregateException agg when agg.InnerExceptions.Count > 0 => Summarize(agg.InnerExceptions[^1]),
        _ => ex.GetType().Name,
    };
}
