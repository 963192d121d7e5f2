using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite Table service per test collection, started from the repository's pinned
/// <c>node_modules</c> on a free loopback port, in memory only. <see cref="StopAsync"/> and
/// <see cref="StartAsync"/> let fault tests take storage away and bring it back on the same port
/// (in-memory data is lost when it stops).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known, published development account key (not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly StringBuilder _output = new();
    private readonly string _executable;
    private readonly string _workingDirectory;
    private Process? _process;

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
        Port = GetFreePort();
    }

    /// <summary>The folder holding the repository's package.json.</summary>
    public string RepositoryRoot { get; }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{Port}/{AccountName};";

    /// <summary>A table prefix no other class or run uses (letters and digits, starting with a letter).</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
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

    /// <summary>Starts Azurite on <see cref="Port"/> (no-op when running) and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (IsRunning)
            {
                return;
            }

            Directory.CreateDirectory(_workingDirectory);
            lock (_output)
            {
                _output.Clear();
            }

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
                "--tableHost", "127.0.0.1", "--tablePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => Record(e.Data);
            process.ErrorDataReceived += (_, e) => Record(e.Data);
            if (!process.Start())
            {
                throw new InvalidOperationException($"Could not start '{_executable}'.");
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;

            await WaitUntilListeningAsync(process);
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

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(timeout.Token);
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

    private async Task WaitUntilListeningAsync(Process process)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"Azurite exited with code {process.ExitCode} before listening on 127.0.0.1:{Port}. Output:{Environment.NewLine}{Output()}");
            }

            if (await AcceptsConnectionsAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException(
            $"Azurite did not listen on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s. Output:{Environment.NewLine}{Output()}");
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

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
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
