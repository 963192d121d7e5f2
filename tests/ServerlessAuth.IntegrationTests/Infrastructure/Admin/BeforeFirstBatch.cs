using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ServerlessAuth.IntegrationTests.Infrastructure.Admin;

/// <summary>
/// Runs an action once, just before a host's next Table Storage batch (<c>$batch</c>) request is sent,
/// to interleave another writer deterministically between a read and the batch that follows it
/// (e.g. a logout deleting a row that the purge has just found).
/// </summary>
public sealed class BeforeFirstBatch : HttpPipelinePolicy
{
    private Func<Task>? _armed;

    /// <summary>Adds this policy to every Table Storage client the host builds.</summary>
    public void AddTo(WebApplicationBuilder builder) =>
        builder.Services.PostConfigureAll<TableClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.PerCall));

    /// <summary>The next batch request first runs <paramref name="action"/>.</summary>
    public void Arm(Func<Task> action) => _armed = action;

    public bool Fired { get; private set; }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await BeforeAsync(message);
        await ProcessNextAsync(message, pipeline);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        BeforeAsync(message).AsTask().GetAwaiter().GetResult();
        ProcessNext(message, pipeline);
    }

    private async ValueTask BeforeAsync(HttpMessage message)
    {
        if (message.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal) && Interlocked.Exchange(ref _armed, null) is { } action)
        {
            Fired = true;
            await action();
        }
    }
}
