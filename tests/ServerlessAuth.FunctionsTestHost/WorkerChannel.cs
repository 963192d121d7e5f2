using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using ServerlessAuth.FunctionsTestHost.Protocol;

namespace ServerlessAuth.FunctionsTestHost;

/// <summary>
/// The host's end of the worker's event stream: requests out, responses matched back by request id (the
/// worker copies it onto each answer). Once the worker fails, every waiting and later call fails with that
/// reason instead of waiting.
/// </summary>
public sealed class WorkerChannel
{
    private readonly Channel<StreamingMessage> _outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _attached;

    /// <summary>Logs the worker sent over the stream (RpcLog), for the host's output.</summary>
    public event Action<RpcLog>? Log;

    /// <summary>Turns the reason the stream ended into the reason the worker failed (e.g. its exit).</summary>
    public Func<Exception, Task<Exception>>? StreamEnded { get; set; }

    /// <summary>The worker id the worker sent in StartStream.</summary>
    public Task<string> Started => _started.Task;

    /// <summary>Faults with the reason once the worker fails; completes when the host shuts the channel.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Runs one EventStream call: the worker's first message must be StartStream.</summary>
    public async Task ServeAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _attached, 1) != 0)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.AlreadyExists, "This host serves one worker, and its event stream is already open."));
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAllAsync(responses, stop.Token);
        try
        {
            if (!await requests.MoveNext(stop.Token) || requests.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
            {
                throw new WorkerFailedException("The worker's first message on the event stream was not StartStream.");
            }

            _started.TrySetResult(requests.Current.StartStream.WorkerId);
            while (await requests.MoveNext(stop.Token))
            {
                Dispatch(requests.Current);
            }

            await EndAsync(new WorkerFailedException("The worker closed its event stream."));
        }
        catch (Exception ex) when (ex is not WorkerFailedException)
        {
            await EndAsync(new WorkerFailedException($"The worker's event stream broke: {ex.Message}", ex));
        }
        catch (WorkerFailedException ex)
        {
            await EndAsync(ex);
        }
        finally
        {
            await stop.CancelAsync();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Sends a request and waits for the worker's answer to it, the worker's failure, or the timeout.</summary>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, TimeSpan timeout, string what)
    {
        request.RequestId = Guid.NewGuid().ToString();
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.RequestId] = answer;
        try
        {
            ThrowIfEnded();
            await _outbound.Writer.WriteAsync(request);
            var done = await Task.WhenAny(answer.Task, _ended.Task, Task.Delay(timeout));
            if (done == answer.Task)
            {
                return await answer.Task;
            }

            ThrowIfEnded();
            throw new WorkerFailedException($"The worker did not answer {what} within {timeout.TotalSeconds:0} s.");
        }
        finally
        {
            _pending.TryRemove(request.RequestId, out _);
        }
    }

    private async Task EndAsync(Exception reason)
    {
        if (_ended.Task.IsCompleted)
        {
            return;
        }

        Fail(StreamEnded is { } explain ? await explain(reason) : reason);
    }

    public void Fail(Exception reason)
    {
        if (_ended.TrySetException(reason))
        {
            _started.TrySetException(reason);
            _outbound.Writer.TryComplete();
        }
    }

    /// <summary>Asks the worker to stop, as the host does on shutdown, and ends the channel.</summary>
    public void Close()
    {
        if (!_ended.Task.IsCompleted)
        {
            _outbound.Writer.TryWrite(new StreamingMessage { WorkerTerminate = new WorkerTerminate() });
        }

        _ended.TrySetResult();
        _started.TrySetCanceled();
        _outbound.Writer.TryComplete();
    }

    private void ThrowIfEnded()
    {
        if (_ended.Task.IsFaulted)
        {
            throw new WorkerFailedException(_ended.Task.Exception!.InnerException!.Message, _ended.Task.Exception.InnerException);
        }

        if (_ended.Task.IsCompleted)
        {
            throw new WorkerFailedException("The test host has stopped.");
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            Log?.Invoke(message.RpcLog);
        }
        else if (_pending.TryRemove(message.RequestId, out var waiting))
        {
            waiting.TrySetResult(message);
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(cancellationToken))
        {
            await responses.WriteAsync(message, cancellationToken);
        }
    }
}

/// <summary>The worker exited, broke the protocol or failed a step: the message says which, and what it printed last.</summary>
public sealed class WorkerFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The gRPC service the worker connects to (--functions-uri).</summary>
public sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.ServeAsync(requestStream, responseStream, context.CancellationToken);
}
