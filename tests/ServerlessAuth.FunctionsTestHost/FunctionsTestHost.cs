using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ServerlessAuth.FunctionsTestHost.Protocol;

namespace ServerlessAuth.FunctionsTestHost;

/// <summary>How to start one <see cref="FunctionsTestHost"/>.</summary>
public sealed record FunctionsTestHostOptions
{
    /// <summary>The Functions app's build output (functions.metadata, host.json, the worker's dll).</summary>
    public string FunctionsDirectory { get; init; } = DefaultFunctionsDirectory;

    /// <summary>App settings, as local.settings.json's Values: environment names (Auth__Issuer) or configuration keys (Auth:Issuer).</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the front end listens; port 0 picks a free one.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>Listen on localhost (IPv4 and IPv6) at <see cref="IPEndPoint.Port"/> instead of <see cref="Listen"/>'s address.</summary>
    public bool ListenOnLocalhost { get; init; }

    /// <summary>The front end's certificate; null: Kestrel's default (the ASP.NET Core development certificate).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// Take the client's address from the last entry of an incoming X-Forwarded-For, as if a front end had
    /// seen it, so that tests on loopback can speak for several clients. Off: the connection's address.
    /// </summary>
    public bool ClientAddressFromForwardedFor { get; init; }

    /// <summary>Handshake steps and requests fail after this long instead of waiting.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives the worker's console output and its logs, a line at a time.</summary>
    public Action<string>? Output { get; init; }

    public static string DefaultFunctionsDirectory =>
        typeof(FunctionsTestHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsOutputDirectory").Value!;
}

/// <summary>
/// Plays the Azure Functions host's side of the worker protocol for the built worker: starts it as a child
/// process with the host's arguments and environment, completes the handshake (StartStream, WorkerInit,
/// FunctionsMetadata, FunctionLoad per function), then serves its HTTP functions over HTTPS, proxying each
/// request to the worker's HttpUri alongside an InvocationRequest, as the real host does with the ASP.NET
/// Core integration. <see cref="Completion"/> faults as soon as the worker exits or breaks the protocol.
/// </summary>
public sealed class FunctionsTestHost : IAsyncDisposable
{
    private const string WorkerAssembly = "ServerlessAuth.Functions.dll";
    private const string InvocationIdHeader = "x-ms-invocation-id";
    private static readonly string[] HopByHop = ["Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Upgrade", "Proxy-Connection", "Trailer", "Host"];

    private readonly FunctionsTestHostOptions _options;
    private readonly WorkerChannel _channel = new();
    private readonly ConcurrentQueue<string> _lastOutput = new();
    private readonly HttpClient _toWorker = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    private WebApplication? _app;
    private Process? _worker;
    private Uri? _httpUri;
    private IReadOnlyList<IndexedFunction> _functions = [];
    private int _disposed;
    private volatile bool _ready;

    private FunctionsTestHost(FunctionsTestHostOptions options) => _options = options;

    /// <summary>The front end, with a trailing slash (https://127.0.0.1:port/).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every function the worker indexed, in its metadata order.</summary>
    public IReadOnlyList<IndexedFunction> Functions => _functions;

    /// <summary>The metadata response exactly as the worker sent it.</summary>
    public FunctionMetadataResponse MetadataResponse { get; private set; } = null!;

    /// <summary>The capabilities the worker reported in WorkerInitResponse.</summary>
    public IReadOnlyDictionary<string, string> Capabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>The worker process serving every request.</summary>
    public int WorkerProcessId => _worker?.Id ?? 0;

    /// <summary>The key a non-anonymous function needs (?code= or x-functions-key), as a host key would be.</summary>
    public string FunctionKey { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Faults with a <see cref="WorkerFailedException"/> when the worker fails; completes when the host is disposed.</summary>
    public Task Completion => _channel.Ended;

    public static async Task<FunctionsTestHost> StartAsync(FunctionsTestHostOptions options)
    {
        var host = new FunctionsTestHost(options);
        try
        {
            await host.StartCoreAsync();
            return host;
        }
        catch (Exception ex)
        {
            var reason = ex is WorkerFailedException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            var output = reason.Contains("last output", StringComparison.Ordinal) ? "" : host.LastOutput();
            await host.DisposeAsync();
            throw new WorkerFailedException($"The Functions test host could not start the worker in '{options.FunctionsDirectory}': {reason}{output}", ex);
        }
    }

    private async Task StartCoreAsync()
    {
        var directory = Path.GetFullPath(_options.FunctionsDirectory);
        if (!File.Exists(Path.Combine(directory, WorkerAssembly)))
        {
            throw new WorkerFailedException($"'{WorkerAssembly}' is not there: build src/ServerlessAuth.Functions first.");
        }

        _channel.StreamEnded = ExplainStreamEndAsync;
        // Warnings and worse: the worker's information logs include every storage request.
        _channel.Log += log =>
        {
            if (log.Level >= RpcLog.Types.Level.Warning && log.Level != RpcLog.Types.Level.None)
            {
                Write($"[worker {log.Level}] {log.Category}: {log.Message}{(log.Exception is { } e ? " " + e.Message : "")}");
            }
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = int.MaxValue);
        builder.Services.AddSingleton(_channel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The worker speaks gRPC over cleartext HTTP/2 to the host, on loopback.
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            void Https(ListenOptions listen)
            {
                if (_options.Certificate is { } certificate)
                {
                    listen.UseHttps(certificate);
                }
                else
                {
                    listen.UseHttps();
                }
            }

            if (_options.ListenOnLocalhost)
            {
                kestrel.ListenLocalhost(_options.Listen.Port, Https);
            }
            else
            {
                kestrel.Listen(_options.Listen, Https);
            }
        });

        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            if (context.Request.IsHttps)
            {
                await ServeAsync(context);
            }
            else
            {
                await next(context);
            }
        });
        _app.MapGrpcService<FunctionRpcService>();

        // A stop of the web host (SIGTERM, Ctrl+C) ends the test host too, never a half-alive process.
        _app.Lifetime.ApplicationStopping.Register(_channel.Close);
        await _app.StartAsync();

        var grpcUri = new Uri(_app.Urls.Single(u => u.StartsWith("http://", StringComparison.Ordinal)));
        var front = new Uri(_app.Urls.First(u => u.StartsWith("https://", StringComparison.Ordinal)));
        BaseAddress = new Uri($"https://{(_options.ListenOnLocalhost ? "localhost" : front.Host)}:{front.Port}/");

        var workerId = Guid.NewGuid().ToString();
        StartWorker(directory, grpcUri, workerId);

        var started = await Within(_channel.Started, "StartStream");
        if (started != workerId)
        {
            throw new WorkerFailedException($"The worker sent StartStream for worker id '{started}', not '{workerId}'.");
        }

        var init = (await _channel.RequestAsync(new StreamingMessage
        {
            WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.0.0-test", WorkerDirectory = directory, FunctionAppDirectory = directory },
        }, _options.Timeout, "WorkerInitRequest")).WorkerInitResponse ?? throw new WorkerFailedException("The worker answered WorkerInitRequest with another message.");
        ThrowIfFailed(init.Result, "WorkerInitRequest");
        Capabilities = new Dictionary<string, string>(init.Capabilities);
        if (!init.Capabilities.TryGetValue("HttpUri", out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out _httpUri))
        {
            throw new WorkerFailedException("The worker reported no HttpUri capability: is the ASP.NET Core integration (ConfigureFunctionsWebApplication) on?");
        }

        var metadata = (await _channel.RequestAsync(new StreamingMessage
        {
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = directory },
        }, _options.Timeout, "FunctionsMetadataRequest")).FunctionMetadataResponse ?? throw new WorkerFailedException("The worker answered FunctionsMetadataRequest with another message.");
        ThrowIfFailed(metadata.Result, "FunctionsMetadataRequest");
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new WorkerFailedException("The worker asked for the host's own indexing (functions.metadata), which this host does not do.");
        }

        MetadataResponse = metadata;
        var prefix = RoutePrefix(directory);
        var functions = new List<IndexedFunction>();
        foreach (var function in metadata.FunctionMetadataResults)
        {
            if (string.IsNullOrEmpty(function.FunctionId))
            {
                function.FunctionId = Guid.NewGuid().ToString();
            }

            function.Directory = directory;
            var loaded = (await _channel.RequestAsync(new StreamingMessage
            {
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            }, _options.Timeout, $"FunctionLoadRequest for '{function.Name}'")).FunctionLoadResponse ?? throw new WorkerFailedException($"The worker answered FunctionLoadRequest for '{function.Name}' with another message.");
            ThrowIfFailed(loaded.Result, $"loading function '{function.Name}'");
            functions.Add(IndexedFunction.From(function, prefix));
        }

        _functions = functions;

        // The worker's web server starts beside its gRPC client, so it may not listen yet: the host is ready
        // once both are.
        await Within(WaitForListenerAsync(_httpUri), $"the worker's HttpUri {_httpUri} to accept connections");
        _ready = true;
        _ = Completion.ContinueWith(_ => StopFrontEndAsync(), TaskScheduler.Default);
    }

    private static async Task<bool> WaitForListenerAsync(Uri uri)
    {
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(uri.Host, uri.Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Runs a non-HTTP function now (the timer purge), as the host does when its trigger fires.</summary>
    public async Task InvokeAsync(string functionName)
    {
        var function = _functions.SingleOrDefault(f => f.Name == functionName)
            ?? throw new ArgumentException($"The worker has no function '{functionName}'.", nameof(functionName));
        var invocation = NewInvocation(Guid.NewGuid().ToString(), function);
        invocation.InputData.Add(new ParameterBinding
        {
            Name = function.TriggerName,
            Data = function.TriggerType.Equals("timerTrigger", StringComparison.OrdinalIgnoreCase)
                ? new TypedData { Json = """{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}""" }
                : new TypedData { String = "" },
        });
        var response = (await _channel.RequestAsync(new StreamingMessage { InvocationRequest = invocation }, _options.Timeout, $"the invocation of '{functionName}'")).InvocationResponse;
        ThrowIfFailed(response?.Result, $"the invocation of '{functionName}'");
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (!_ready)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        // Literal routes before templates, as route precedence has it.
        var function = _functions.Where(f => f.IsHttp).OrderBy(f => f.Literal ? 0 : 1).FirstOrDefault(f => f.Matches(path, context.Request.Method));
        if (function is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!string.Equals(function.AuthLevel, "Anonymous", StringComparison.OrdinalIgnoreCase) && !HasKey(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        try
        {
            await ProxyAsync(context, function);
        }
        catch (WorkerFailedException ex) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsync($"The Functions worker failed: {ex.Message}");
        }
        catch (HttpRequestException ex) when (!context.Response.HasStarted)
        {
            // The worker's HttpUri refused or dropped the request: most often the worker has just died.
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            await context.Response.WriteAsync($"The Functions worker's HttpUri failed: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Write($"[host] {context.Request.Method} {path} failed in the test host: {ex}");
            throw;
        }
    }

    private async Task ProxyAsync(HttpContext context, IndexedFunction function)
    {
        var invocationId = Guid.NewGuid().ToString();
        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(_httpUri!, context.Request.Path.Value + context.Request.QueryString.Value));
        // An empty form still has a body, with its Content-Type.
        if (context.Request.ContentLength is not null || context.Request.ContentType is not null || context.Request.Headers.TransferEncoding.Count > 0)
        {
            forward.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase) || name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // What the front end adds; the worker's forwarded-headers middleware turns them into the connection's view.
        forward.Headers.TryAddWithoutValidation("X-Forwarded-For", ClientAddress(context));
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Proto", context.Request.Scheme);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Host", context.Request.Host.Value);
        forward.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);

        // As the real host: start forwarding, then send the invocation; the worker pairs them by invocation id.
        var answer = _toWorker.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        var invocation = NewInvocation(invocationId, function);
        invocation.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        var invoked = _channel.RequestAsync(new StreamingMessage { InvocationRequest = invocation }, _options.Timeout, $"the invocation of '{function.Name}'");

        using var response = await Within(answer, $"the proxied request to '{function.Name}'");
        var body = response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        var result = (await invoked).InvocationResponse;
        var bytes = await Within(body, $"the response body of '{function.Name}'");
        if (result?.Result?.Status != StatusResult.Types.Status.Success)
        {
            // The real host answers 500 for a failed invocation, whatever the worker had begun to write.
            Write($"[host] invocation of '{function.Name}' failed: {result?.Result?.Exception?.Message}");
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        if (context.Response.StatusCode >= 500)
        {
            Write($"[host] {function.Name} answered {context.Response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        }

        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = new StringValues(values.ToArray());
            }
        }

        if (bytes.Length > 0)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
    }

    private static InvocationRequest NewInvocation(string invocationId, IndexedFunction function) => new()
    {
        InvocationId = invocationId,
        FunctionId = function.FunctionId,
        TraceContext = new RpcTraceContext { TraceParent = (Activity.Current?.Id ?? $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00") },
    };

    private string ClientAddress(HttpContext context)
    {
        if (_options.ClientAddressFromForwardedFor
            && context.Request.Headers["X-Forwarded-For"] is { Count: > 0 } forwarded
            && forwarded[^1]!.Split(',')[^1].Trim() is { Length: > 0 } last)
        {
            return last;
        }

        var remote = context.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        return (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
    }

    private bool HasKey(HttpRequest request)
    {
        var given = request.Query["code"].FirstOrDefault() ?? request.Headers["x-functions-key"].FirstOrDefault();
        return given is not null && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(FunctionKey));
    }

    private void StartWorker(string directory, Uri grpcUri, string workerId)
    {
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The arguments the Functions host passes a dotnet-isolated worker: the 2.x worker reads the
        // --functions-* ones; the older --host/--port/--workerId/--requestId are passed too, as the host does.
        foreach (var argument in new[]
        {
            Path.Combine(directory, WorkerAssembly),
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--workerId", workerId, "--requestId", requestId, "--grpcMaxMessageLength", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--functions-uri", grpcUri.ToString(), "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of this process's own web settings may leak into the worker's.
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = directory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = directory;
        start.Environment["AzureWebJobsScriptRoot"] = directory;
        foreach (var (key, value) in _options.AppSettings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        _worker = Process.Start(start) ?? throw new WorkerFailedException("dotnet did not start.");
        _worker.OutputDataReceived += (_, line) => Remember(line.Data);
        _worker.ErrorDataReceived += (_, line) => Remember(line.Data);
        _worker.BeginOutputReadLine();
        _worker.BeginErrorReadLine();
        var worker = _worker;
        _ = worker.WaitForExitAsync().ContinueWith(_ =>
            _channel.Fail(new WorkerFailedException($"The Functions worker (pid {worker.Id}) exited with code {worker.ExitCode}.{LastOutput()}")),
            TaskScheduler.Default);
    }

    /// <summary>A broken stream usually means the worker died: say so, with its exit code, when it has.</summary>
    private async Task<Exception> ExplainStreamEndAsync(Exception reason)
    {
        if (_worker is { } worker)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await worker.WaitForExitAsync(grace.Token);
                return new WorkerFailedException($"The Functions worker (pid {worker.Id}) exited with code {worker.ExitCode}.{LastOutput()}", reason);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return reason;
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        Write(line);
        _lastOutput.Enqueue(line);
        while (_lastOutput.Count > 40 && _lastOutput.TryDequeue(out _))
        {
        }
    }

    private void Write(string line) => _options.Output?.Invoke(line);

    private string LastOutput() => _lastOutput.IsEmpty ? "" : " The worker's last output:" + Environment.NewLine + string.Join(Environment.NewLine, _lastOutput);

    /// <summary>Waits for a step, but never past the worker's failure or the timeout.</summary>
    private async Task<T> Within<T>(Task<T> step, string what)
    {
        var done = await Task.WhenAny(step, Completion, Task.Delay(_options.Timeout));
        if (done == step)
        {
            return await step;
        }

        if (Completion.IsFaulted)
        {
            throw (WorkerFailedException)Completion.Exception!.InnerException!;
        }

        throw new WorkerFailedException(Completion.IsCompleted ? "The test host has stopped." : $"{what} did not happen within {_options.Timeout.TotalSeconds:0} s.");
    }

    private static void ThrowIfFailed(StatusResult? result, string what)
    {
        if (result?.Status != StatusResult.Types.Status.Success)
        {
            throw new WorkerFailedException($"The worker failed {what}: {result?.Exception?.Message ?? result?.Result ?? "no status"}");
        }
    }

    private static string RoutePrefix(string directory)
    {
        var path = Path.Combine(directory, "host.json");
        if (!File.Exists(path))
        {
            return "api";
        }

        using var hostJson = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return hostJson.RootElement.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty("http", out var http)
            && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()?.Trim('/') ?? "api"
            : "api";
    }

    private async Task StopFrontEndAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(TimeSpan.FromSeconds(5) is var grace ? new CancellationTokenSource(grace).Token : default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Ask the worker to stop, as the host does, then make sure it has.
        _channel.Close();
        if (_worker is { } worker)
        {
            try
            {
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await worker.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }

            worker.Dispose();
        }

        if (_app is not null)
        {
            await StopFrontEndAsync();
            await _app.DisposeAsync();
        }

        _toWorker.Dispose();
    }
}
