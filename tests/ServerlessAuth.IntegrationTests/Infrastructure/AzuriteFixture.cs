using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite Table service per test collection, started from the repository's pinned
/// <c>node_modules</c> on a loopback port of its own (see <see cref="LoopbackPorts"/>), in memory only.
/// <see cref="StopAsync"/> and <see cref="StartAsync"/> let fault tests take storage away and bring it
/// back on the same port (in-memory data is lost when it stops); <see cref="FreezeAsync"/> and
/// <see cref="ThawAsync"/> make it hang and resume, data kept.
/// <para>
/// It counts as started only once its own process reports listening on its port: another process
/// listening there would otherwise pass for it. Every failure to start says why, with Azurite's output.
/// </para>
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known, published development account key (not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// A bound against a hang, not a performance target: four Azurites starting at once beside the
    /// other test projects take 7-15 s on a loaded two-core machine.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>First start only: a port lost to someone else is replaced by another this many times.</summary>
    private const int FirstStartAttempts = 3;

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly StringBuilder _output = new();
    private readonly string _executable;
    private readonly string _workingDirectory;
    private Process? _process;
    private bool _hasListened;

    public AzuriteFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        var bin = Path.Combine(RepositoryRoot, "node_modules", ".bin");
        _executable = Path.Combine(bin, OperatingSystem.IsWindows() ? "azurite-table.cmd" : "azurite-table");
        if (!File.Exists(_executable))
        {
            throw new InvalidOperationException(
                $"Azurite is not installed: '{_executable}' does not exist. Run 'npm ci' in '{RepositoryRoot}' first.");
        }

        _workingDirectory = Path.Combine(Path.GetTempPath(), "serverlessauth-azurite-" + Guid.NewGuid().ToString("N"));
        Port = LoopbackPorts.Reserve();
    }

    /// <summary>The folder holding the repository's package.json.</summary>
    public string RepositoryRoot { get; }

    /// <summary>Fixed once Azurite has listened: restarts reuse it, as hosts keep the connection string.</summary>
    public int Port { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/{AccountName};";

    /// <summary>A table prefix no other class or run uses (letters and digits, starting with a letter).</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        LoopbackPorts.Release(Port);
        _lifecycle.Dispose();
        try
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: an empty temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Starts Azurite on <see cref="Port"/> (no-op when running) and waits until it reports listening there.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (IsRunning)
            {
                return;
            }

            // A process that listened once but has exited since (not through StopAsync).
            _process?.Dispose();
            _process = null;

            Directory.CreateDirectory(_workingDirectory);
            for (var attempt = 1; ; attempt++)
            {
                var failure = await LaunchAsync();
                if (failure is null)
                {
                    _hasListened = true;
                    return;
                }

                if (!failure.PortInUse)
                {
                    throw failure.Exception;
                }

                if (_hasListened)
                {
                    throw new InvalidOperationException(
                        $"Azurite could not listen again on 127.0.0.1:{Port}: another process took the port while it was stopped "
                        + "(hosts keep this port in their connection string, so it cannot move).",
                        failure.Exception);
                }

                if (attempt == FirstStartAttempts)
                {
                    throw new InvalidOperationException(
                        $"Azurite found its port taken by another process {attempt} times in a row (last: 127.0.0.1:{Port}).", failure.Exception);
                }

                // Nobody has this port in a connection string yet: take another.
                var taken = Port;
                Port = LoopbackPorts.Reserve();
                LoopbackPorts.Release(taken);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Kills Azurite (and its children) and waits until the port refuses connections.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is not { } process)
            {
                return;
            }

            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                if (!await HasExitedAsync(process, ExitTimeout))
                {
                    throw new TimeoutException($"Azurite (pid {process.Id}, 127.0.0.1:{Port}) did not exit within {ExitTimeout.TotalSeconds} s of being killed.");
                }
            }
            finally
            {
                process.Dispose();
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (await AcceptsConnectionsAsync() && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Suspends Azurite (SIGSTOP) without stopping it: its port still accepts connections, but nothing is
    /// answered and its data stays. What is sent meanwhile waits in the socket buffers and is carried out on
    /// <see cref="ThawAsync"/>, even for callers that gave up: a storage service that froze, then resumed.
    /// </summary>
    public Task FreezeAsync() => SignalAsync("STOP");

    /// <summary>Resumes Azurite after <see cref="FreezeAsync"/> (SIGCONT).</summary>
    public Task ThawAsync() => SignalAsync("CONT");

    private async Task SignalAsync(string signal)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Freezing Azurite needs POSIX signals.");
        }

        await _lifecycle.WaitAsync();
        try
        {
            var pid = _process is { HasExited: false } process ? process.Id : throw new InvalidOperationException("Azurite is not running.");
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not start 'kill'.");
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException($"'kill -{signal} {pid}' (Azurite) exited with code {kill.ExitCode}.");
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Why a start failed; <see cref="PortInUse"/>: Azurite reported EADDRINUSE.</summary>
    private sealed record StartFailure(Exception Exception, bool PortInUse);

    /// <summary>
    /// Starts one Azurite process on <see cref="Port"/> and waits until it reports listening there
    /// (then it is <see cref="_process"/>), exits, or runs out of time (then it is killed).
    /// </summary>
    private async Task<StartFailure?> LaunchAsync()
    {
        lock (_output)
        {
            _output.Clear();
        }

        var port = Port.ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo(_executable)
        {
            WorkingDirectory = _workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in new[]
        {
            "--tableHost", "127.0.0.1", "--tablePort", port,
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // What Azurite prints (also with --silent) once its server listens: proof that this process, and
        // not some other one, holds the port.
        var listeningLine = $"successfully started on 127.0.0.1:{port}";
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            Record(e.Data);
            if (e.Data?.Contains(listeningLine, StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => Record(e.Data);

        var watch = Stopwatch.StartNew();
        try
        {
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start '{_executable}'.");
            }
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var stopWaiting = new CancellationTokenSource(StartTimeout);
        var exited = process.WaitForExitAsync(stopWaiting.Token);
        await Task.WhenAny(listening.Task, exited);
        await stopWaiting.CancelAsync();

        if (listening.Task.IsCompleted && !process.HasExited)
        {
            _process = process;
            return null;
        }

        var seconds = watch.Elapsed.TotalSeconds;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await HasExitedAsync(process, ExitTimeout);
                return new StartFailure(new TimeoutException(
                    $"Azurite did not report listening on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s (is the machine overloaded?); "
                    + $"it was killed. Output:{Environment.NewLine}{Output()}"), PortInUse: false);
            }

            // Exited: wait until its output has been read to the end.
            await HasExitedAsync(process, ExitTimeout);
            var output = Output();
            var portInUse = output.Contains("EADDRINUSE", StringComparison.Ordinal);
            return new StartFailure(new InvalidOperationException(
                $"Azurite exited with code {process.ExitCode} after {seconds:0.0} s, "
                + (listening.Task.IsCompleted ? $"right after reporting listening on 127.0.0.1:{port}" : $"before listening on 127.0.0.1:{port}")
                + (portInUse ? " (the port is taken by another process)" : "")
                + $". Output:{Environment.NewLine}{output}"), portInUse);
        }
        finally
        {
            process.Dispose();
        }
    }

    private static async Task<bool> HasExitedAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "package.json")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No package.json found above '{AppContext.BaseDirectory}': cannot locate the repository root and its Azurite (run 'npm ci' there).");
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
