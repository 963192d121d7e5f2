using System.Net;
using System.Text.Json;
using ServerlessAuth.FunctionsTestHost;

// Serves the built Functions app through its worker process on https://localhost:<port>/api, with the
// Values of a local.settings.json as app settings (scripts/run-local.sh --functions). Ends, with the
// reason, as soon as the worker does.
//   dotnet ServerlessAuth.FunctionsTestHost.dll [--settings local.settings.json] [--port 7071] [--functions-dir <build output>]
var settingsPath = Argument("--settings") ?? "local.settings.json";
var port = int.Parse(Argument("--port") ?? "7071", System.Globalization.CultureInfo.InvariantCulture);
var directory = Argument("--functions-dir") ?? FunctionsTestHostOptions.DefaultFunctionsDirectory;

var settings = new Dictionary<string, string>();
if (File.Exists(settingsPath))
{
    using var file = JsonDocument.Parse(File.ReadAllText(settingsPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
    foreach (var value in file.RootElement.GetProperty("Values").EnumerateObject())
    {
        settings[value.Name] = value.Value.ToString();
    }
}

FunctionsTestHost host;
try
{
    host = await FunctionsTestHost.StartAsync(new FunctionsTestHostOptions
    {
        FunctionsDirectory = directory,
        AppSettings = settings,
        Listen = new IPEndPoint(IPAddress.Loopback, port),
        ListenOnLocalhost = true,
        Output = Console.WriteLine,
    });
}
catch (WorkerFailedException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

await using (host)
{
    Console.WriteLine($"Functions worker (pid {host.WorkerProcessId}) serving {host.BaseAddress}api: {string.Join(", ", host.Functions.Select(f => f.Name))}");
    // Ctrl+C and SIGTERM stop the web host, which completes Completion; the worker's failure faults it.
    try
    {
        await host.Completion;
    }
    catch (WorkerFailedException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }
}

return 0;

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
