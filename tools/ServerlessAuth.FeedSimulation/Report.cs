using System.Globalization;

namespace ServerlessAuth.FeedSimulation;

public static class Report
{
    public const string Header =
        "| design | instances | revocations/s | hottest partition, entities/s (peak / mean) | account tx/s (peak / mean) | % of 20,000 | entities per poll | propagation p50 / p99 / max (ms) | missed | second stamps | CPU (s) |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|";

    public static string Row(RunResult r) => string.Create(CultureInfo.InvariantCulture,
        $"| {r.Scenario.Design.ToString().ToLowerInvariant()}{(r.Scenario.LaggingShare > 0 ? $" ({r.Scenario.LaggingShare:P0} lagging 30 s)" : "")} | {r.Scenario.Instances:N0} | {r.Scenario.RevocationsPerSecond:N0} "
        + $"| {Flag(r.PartitionPeak, TableServiceModel.PartitionTarget)} / {r.PartitionMean:N0} | {r.AccountPeak:N0} / {r.AccountMean:N0} | {100 * r.AccountMean / TableServiceModel.AccountTarget:0.0} % "
        + $"| {r.EntitiesPerQuery:N0} | {r.P50:N0} / {r.P99:N0} / {r.Max:N0} | {r.Missed} | {r.SecondStamps} | {r.Cpu.TotalSeconds:0.0} |");

    private static string Flag(long value, long target) =>
        value > target ? string.Create(CultureInfo.InvariantCulture, $"**{value:N0}**") : value.ToString("N0", CultureInfo.InvariantCulture);
}
