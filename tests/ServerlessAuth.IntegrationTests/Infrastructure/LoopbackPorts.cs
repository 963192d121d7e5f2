using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ServerlessAuth.IntegrationTests.Infrastructure;

/// <summary>
/// Loopback ports for the Azurites of this test run: outside the operating system's ephemeral port
/// range, never the same for two fixtures of the run, and free when handed out.
/// <para>
/// Why outside the ephemeral range: an Azurite's port must stay ours while its node process starts
/// (seconds on a loaded machine) and while a fault test has it stopped. A port from the ephemeral
/// range (what binding port 0 returns) may meanwhile be handed to anyone binding port 0, such as the
/// Kestrel of every test host, or used as the local end of an outgoing connection. Then Azurite fails
/// with EADDRINUSE, and the fixture talks to whatever else listens there. Ports outside the range are
/// only ever taken by someone who asks for that exact number.
/// </para>
/// </summary>
public static class LoopbackPorts
{
    /// <summary>Stay above the ports development tools commonly use (8080, 9000, Azurite's 10000-10002, ...).</summary>
    private const int Lowest = 20000;

    /// <summary>Fewer candidates than this outside the ephemeral range: use any port (collisions are then retried at start).</summary>
    private const int MinimumCandidates = 500;

    private const int Attempts = 200;

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Reserved = [];
    private static readonly Lazy<(int From, int To, string Why)> Candidates = new(ChooseCandidates);

    /// <summary>A free loopback port that no other caller of this run holds, until <see cref="Release"/>.</summary>
    public static int Reserve()
    {
        var (from, to, why) = Candidates.Value;
        lock (Gate)
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var port = Random.Shared.Next(from, to + 1);
                if (!Reserved.Contains(port) && IsFree(port))
                {
                    Reserved.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException(
            $"No free loopback port among {Attempts} random ports in {from}-{to} ({why}). Ports held by this run: {string.Join(", ", Reserved)}.");
    }

    public static void Release(int port)
    {
        lock (Gate)
        {
            Reserved.Remove(port);
        }
    }

    /// <summary>Whether the port can be bound on 127.0.0.1 now (nobody listens on it, on loopback or any address).</summary>
    public static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static (int From, int To, string Why) ChooseCandidates()
    {
        var (low, high, source) = EphemeralRange();
        var below = (From: Lowest, To: low - 1);
        var above = (From: Math.Max(Lowest, high + 1), To: IPEndPoint.MaxPort);
        var best = below.To - below.From >= above.To - above.From ? below : above;
        return best.To - best.From + 1 >= MinimumCandidates
            ? (best.From, best.To, $"outside the ephemeral range {low}-{high} ({source})")
            : (Lowest, IPEndPoint.MaxPort, $"the ephemeral range {low}-{high} ({source}) leaves too few ports outside it");
    }

    /// <summary>The range binding port 0 and outgoing connections draw from.</summary>
    private static (int Low, int High, string Source) EphemeralRange()
    {
        const string LinuxSetting = "/proc/sys/net/ipv4/ip_local_port_range";
        if (OperatingSystem.IsLinux() && File.Exists(LinuxSetting))
        {
            var parts = File.ReadAllText(LinuxSetting).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high))
            {
                return (low, high, LinuxSetting);
            }
        }

        // The IANA dynamic range: the default on Windows and macOS.
        return (49152, IPEndPoint.MaxPort, "the IANA default");
    }
}
