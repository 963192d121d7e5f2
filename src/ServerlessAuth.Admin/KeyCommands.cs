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
        list.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var keys = services.GetRequiredService<ISigningKeyAdministration>();
            var options = services.GetRequiredService<IOptions<SigningKeyOptions>>();
            var now = TimeProvider.System.GetUtcNow();
            var versions = await keys.ListAsync(ct);
            var current = versions.Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
            output.WriteLine($"Source: {keys.Description}");
            output.WriteLine($"New versions: {options.Value.Algorithm} (SigningKeys:Algorithm)");
            if (versions.Count == 0)
            {
                output.WriteLine("No versions yet: 'keys rotate' (or 'setup', with the development key table) creates the first.");
                return 0;
            }

            var table = new TextTable("VERSION (kid)", "CREATED (UTC)", "ALG", "STATE", "NOTE");
            foreach (var v in versions)
            {
                var state = v.IsUsableAt(now) ? "usable" : v.Enabled ? "out-of-window" : "disabled";
                table.Add(v.Id, AdminCommands.Time(v.CreatedOn), v.Algorithm ?? "?", state, v == current ? "signs new tokens" : "");
            }

            table.WriteTo(output);
            return 0;
        }));

        var emergency = new Option<bool>("--emergency") { Description = "Also disable every older version: every outstanding token is refused within about a second (the key event on the revocation feed)." };
        var endSessions = new Option<bool>("--end-sessions") { Description = "Also end every session of every user (use when session cookies may be exposed too)." };
        var yes = new Option<bool>("--yes") { Description = "Rotate to another algorithm even when APIs that validate with the JWKS alone would refuse the new tokens (ES256 to HS256)." };
        var rotate = new Command("rotate", "Add a new signing key version of the algorithm SigningKeys:Algorithm names; new tokens are signed with it.") { emergency, endSessions, yes };
        rotate.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            if (!await AlgorithmChangeAllowedAsync(services, error, parse.GetValue(yes), ct))
            {
                return 1;
            }

            var outcome = await services.GetRequiredService<KeyRotation>().RotateAsync(parse.GetValue(emergency), parse.GetValue(endSessions), ct);
            output.WriteLine($"New {outcome.NewVersion.Algorithm} version {outcome.NewVersion.Id} signs new tokens (every instance within about a second, on the key event of the revocation feed; at the latest within the refresh interval).");
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

        var version = new Argument<string>("version") { Description = "The version (kid), from 'keys list'." };
        var disable = new Command("disable", "Disable one signing key version: tokens signed with it are refused within about a second (the key event on the revocation feed).") { version };
        disable.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var outcome = await services.GetRequiredService<KeyRotation>().DisableAsync(parse.GetValue(version)!, ct);
            (outcome.Found && !outcome.Refused ? output : error).WriteLine(outcome.Message);
            if (outcome.Found && !outcome.Refused)
            {
                await AdminCommands.AuditAsync(services, AuditKind.KeyDisabled, null, $"version={parse.GetValue(version)}", ct);
            }

            return outcome.Found && !outcome.Refused ? 0 : 1;
        }));

        var enable = new Command("enable", "Enable a disabled signing key version again (the runbook's rollback): its unexpired tokens are accepted again within about a second.") { version };
        enable.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var outcome = await services.GetRequiredService<KeyRotation>().EnableAsync(parse.GetValue(version)!, ct);
            (outcome.Found ? output : error).WriteLine(outcome.Message);
            if (outcome.Found && outcome.Message.StartsWith("Enabled ", StringComparison.Ordinal))
            {
                await AdminCommands.AuditAsync(services, AuditKind.KeyEnabled, null, $"version={parse.GetValue(version)}", ct);
            }

            return outcome.Found ? 0 : 1;
        }));

        return new Command("keys", "Inspect and rotate the JWT signing key.") { list, rotate, disable, enable };
    }

    /// <summary>
    /// A rotation to another algorithm than the current version's changes what every API must validate
    /// with. To HS256 it breaks the APIs that validate with the JWKS alone (HS256 keys are secrets and
    /// never published), so it needs --yes; the other way it only warns.
    /// </summary>
    private static async Task<bool> AlgorithmChangeAllowedAsync(IServiceProvider services, TextWriter error, bool confirmed, CancellationToken ct)
    {
        var next = services.GetRequiredService<IOptions<SigningKeyOptions>>().Value.Algorithm;
        var now = TimeProvider.System.GetUtcNow();
        var current = (await services.GetRequiredService<ISigningKeyAdministration>().ListAsync(ct)).Where(v => v.IsUsableAt(now)).MaxBy(v => v.CreatedOn);
        if (current?.Algorithm is not { } algorithm || string.Equals(algorithm, next, StringComparison.Ordinal))
        {
            return true;
        }

        error.WriteLine($"warning: the current version {current.Id} is {algorithm}, and SigningKeys:Algorithm makes the new one {next}: every new token will be {next}.");
        if (next != SigningKeyMaterial.Hs256)
        {
            error.WriteLine($"warning: APIs that validate with the shared {algorithm} secret must use the JWKS (jwks_uri of the discovery document) for the new tokens.");
            return true;
        }

        if (confirmed)
        {
            error.WriteLine("warning: APIs that validate with the JWKS alone refuse the new tokens (HS256 keys are never published); rotating as --yes asks.");
            return true;
        }

        error.WriteLine("Refused: APIs that validate with the JWKS alone (the ServerlessAuth.AspNetCore handler, any library fed from jwks_uri) would refuse every new token, "
            + "because HS256 keys are secrets and never in the JWKS. Nothing changed; pass --yes to rotate anyway, or set SigningKeys:Algorithm=ES256.");
        return false;
    }
}
