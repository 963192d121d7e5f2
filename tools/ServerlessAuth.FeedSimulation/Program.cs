using System.Globalization;
using ServerlessAuth.FeedSimulation;

// curve: both designs at 10, 100, 1,000 instances and 1, 10, 100 revocations/s, as markdown rows.
// run --design today|changed --instances N --rate R [--seconds S] [--lagging-share F] [--seed N]: one scenario.
// firstsync --connection C [--events 5000] [--runs 9]: a starting instance's window read, one query against per-minute parallel.
// populate --connection C [--prefix P] [--events 5000]: fills the feed's window for a cold-start measurement.
// azurite --connection C [--instances 20] [--rate 5] [--seconds 30]: real followers on Azurite beside the model.
var mode = args.Length > 0 ? args[0] : "curve";
string Arg(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

var seconds = int.Parse(Arg("--seconds", "60"), CultureInfo.InvariantCulture);
var seed = int.Parse(Arg("--seed", "1"), CultureInfo.InvariantCulture);
if (mode is "curve" or "run")
{
    Console.WriteLine(Report.Header);
}

switch (mode)
{
    case "curve":
        foreach (var design in Arg("--design", "today,changed").Split(','))
        {
            foreach (var instances in new[] { 10, 100, 1_000 })
            {
                foreach (var rate in new[] { 1.0, 10, 100 })
                {
                    Console.WriteLine(Report.Row(FeedRun.Simulate(new Scenario(Enum.Parse<FeedDesign>(design, ignoreCase: true), instances, rate, seconds, seed))));
                }
            }
        }

        break;
    case "run":
        Console.WriteLine(Report.Row(FeedRun.Simulate(new Scenario(
            Enum.Parse<FeedDesign>(Arg("--design", "changed"), ignoreCase: true),
            int.Parse(Arg("--instances", "100"), CultureInfo.InvariantCulture),
            double.Parse(Arg("--rate", "10"), CultureInfo.InvariantCulture),
            seconds, seed,
            LaggingShare: double.Parse(Arg("--lagging-share", "0"), CultureInfo.InvariantCulture)))));
        break;
    case "azurite":
        foreach (var design in Arg("--design", "today,changed").Split(','))
        {
            Console.WriteLine();
            Console.WriteLine(await AzuriteCheck.RunAsync(Arg("--connection", ""), Enum.Parse<FeedDesign>(design, ignoreCase: true),
                int.Parse(Arg("--instances", "20"), CultureInfo.InvariantCulture), double.Parse(Arg("--rate", "5"), CultureInfo.InvariantCulture), seconds));
        }

        break;
    case "firstsync":
        Console.WriteLine(await AzuriteCheck.FirstSyncAsync(Arg("--connection", ""), int.Parse(Arg("--events", "5000"), CultureInfo.InvariantCulture),
            int.Parse(Arg("--runs", "9"), CultureInfo.InvariantCulture)));
        break;
    case "populate":
        Console.WriteLine(await AzuriteCheck.PopulateAsync(Arg("--connection", ""), Arg("--prefix", ""), int.Parse(Arg("--events", "5000"), CultureInfo.InvariantCulture)));
        break;
    default:
        Console.Error.WriteLine($"Unknown mode '{mode}': curve, run, azurite or populate.");
        return 2;
}

return 0;
