using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.SigningKeys;

namespace ServerlessAuth.Admin;

internal static class KeyCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var list = new Command("list", "List the signing key versions, newest first.");
        list.SetAction((_, ct) => AdminCommands.RunAsync(error, async services =>
        {
            var keys = services.GetRequiredService<ISigningKeyAdministration>();
            var now = TimeProvider.System.GetUtcNow();
            var versions = await keys.ListAsync(ct);
            var current = versions.Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
            output.WriteLine($"Source: {keys.Description}");
            output.WriteLine($"{"VERSION (kid)",-34}{"CREATED (UTC)",-22}{"STATE",-10}NOTE");
            foreach (var v in versions)
            {
                var state = v.IsUsableAt(now) ? "usable" : v.Enabled ? "out-of-window" : "disabled";
                output.WriteLine($"{v.Id,-34}{v.CreatedOn.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{state,-10}{(v == current ? "signs new tokens" : "")}");
            }

            return 0;
        }));

        return new Command("keys", "Inspect and rotate the JWT signing key.") { list };
    }
}
