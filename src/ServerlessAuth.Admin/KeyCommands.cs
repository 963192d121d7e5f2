using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessAuth.Audit;
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
            var options = services.GetRequiredService<IOptions<SigningKeyOptions>>();
            var now = TimeProvider.System.GetUtcNow();
            var versions = await keys.ListAsync(ct);
            var current = versions.Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
            output.WriteLine($"Source: {keys.Description}");
            output.WriteLine($"New versions: {options.Value.Algorithm} (SigningKeys:Algorithm)");
            output.WriteLine($"{"VERSION (kid)",-34}{"CREATED (UTC)",-22}{"ALG",-7}{"STATE",-10}NOTE");
            foreach (var v in versions)
            {
                var state = v.IsUsableAt(now) ? "usable" : v.Enabled ? "out-of-window" : "disabled";
                output.WriteLine($"{v.Id,-34}{v.CreatedOn.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{v.Algorithm ?? "?",-7}{state,-10}{(v == current ? "signs new tokens" : "")}");
            }

            return 0;
        }));

        var emergency = new Option<bool>("--emergency") { Description = "Also disable every older version: every outstanding token is refused within the refresh interval." };
        var endSessions = new Option<bool>("--end-sessions") { Description = "Also end every session of every user (use when session cookies may be exposed too)." };
        var rotate = new Command("rotate", "Add a new signing key version; new tokens are signed with it.") { emergency, endSessions };
        rotate.SetAction((parse, ct) => AdminCommands.RunAsync(error, async services =>
        {
            var outcome = await services.GetRequiredService<KeyRotation>().RotateAsync(parse.GetValue(emergency), parse.GetValue(endSessions), ct);
            output.WriteLine($"New {outcome.NewVersion.Algorithm} version {outcome.NewVersion.Id} signs new tokens (instances pick it up at once on first sight of its kid, else within the refresh interval).");
            foreach (var id in outcome.DisabledVersions)
            {
                output.WriteLine($"Disabled {id}.");
            }

            if (outcome.SessionsEndedBefore is { } cutoff)
            {
                output.WriteLine($"Ended every session created before {cutoff.UtcDateTime:u}.");
            }

            await AdminCommands.AuditAsync(services, AuditKind.KeyRotated, null,
                $"version={outcome.NewVersion.Id} emergency={parse.GetValue(emergency).ToString().ToLowerInvariant()} disabled={outcome.DisabledVersions.Count} sessions_ended={(outcome.SessionsEndedBefore is null ? "false" : "true")}", ct);
            if (outcome.SessionsEndedBefore is not null)
            {
                await AdminCommands.AuditAsync(services, AuditKind.EveryoneLoggedOut, null, "by=keys_rotate", ct);
            }

            return 0;
        }));

        var version = new Argument<string>("version") { Description = "The version (kid) to disable, from 'keys list'." };
        var disable = new Command("disable", "Disable one signing key version: tokens signed with it are refused within the refresh interval.") { version };
        disable.SetAction((parse, ct) => AdminCommands.RunAsync(error, async services =>
        {
            var outcome = await services.GetRequiredService<KeyRotation>().DisableAsync(parse.GetValue(version)!, ct);
            (outcome.Found && !outcome.Refused ? output : error).WriteLine(outcome.Message);
            if (outcome.Found && !outcome.Refused)
            {
                await AdminCommands.AuditAsync(services, AuditKind.KeyDisabled, null, $"version={parse.GetValue(version)}", ct);
            }

            return outcome.Found && !outcome.Refused ? 0 : 1;
        }));

        return new Command("keys", "Inspect and rotate the JWT signing key.") { list, rotate, disable };
    }
}
