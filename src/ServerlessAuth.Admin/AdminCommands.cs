using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Audit;
using Microsoft.Extensions.Hosting;
using ServerlessAuth.Lockout;
using ServerlessAuth.Sessions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;
using ServerlessAuth.TableStorage;
using ServerlessAuth.Users;

namespace ServerlessAuth.Admin;

/// <summary>The command tree. Each action resolves what it needs and prints plain text; exit code 0 on success.</summary>
internal static class AdminCommands
{
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var username = new Argument<string>("username") { Description = "The account's username." };

        var usersAdd = new Command("add", "Create a user. The password is read from stdin, or prompted for without echo.") { username };
        usersAdd.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            var password = PasswordInput.Read(error);
            try
            {
                var user = await services.GetRequiredService<UserAdministration>().AddAsync(parse.GetValue(username)!, password ?? "", ct);
                output.WriteLine($"Created user {user.Username} ({user.Id}).");
                await AuditAsync(services, AuditKind.UserAdded, user.Id, null, ct);
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or DuplicateUsernameException)
            {
                error.WriteLine(ex.Message);
                return 1;
            }
        }));

        var usersDisable = new Command("disable", "Disable a user: login is refused, and every session and token of the user ends at once.") { username };
        usersDisable.SetAction((parse, ct) => RunAsync(parse, error, services => SetDisabledAsync(services, output, error, parse.GetValue(username)!, true, ct)));
        var usersEnable = new Command("enable", "Enable a disabled user.") { username };
        usersEnable.SetAction((parse, ct) => RunAsync(parse, error, services => SetDisabledAsync(services, output, error, parse.GetValue(username)!, false, ct)));

        var usersUnlock = new Command("unlock", "Clear a username's failed-login count and lockout.") { username };
        usersUnlock.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            // Same rule as every other command: an unknown name is an error, not a silent success.
            if (await FindUserAsync(services, error, parse.GetValue(username)!, ct) is not { } user)
            {
                return 1;
            }

            await services.GetRequiredService<AccountLockout>().ResetAsync(user.NormalizedUsername, ct);
            output.WriteLine($"Unlocked {user.Username}.");
            await AuditAsync(services, AuditKind.UserUnlocked, user.Id, null, ct);
            return 0;
        }));

        var sessionsList = new Command("list", "List a user's sessions.") { username };
        sessionsList.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            if (await FindUserAsync(services, error, parse.GetValue(username)!, ct) is not { } user)
            {
                return 1;
            }

            var sessions = services.GetRequiredService<SessionService>();
            var list = await sessions.ListAsync(user.Id, ct);
            var cutoff = await sessions.GetSessionsValidAfterAsync(ct);
            if (list.Count == 0)
            {
                output.WriteLine($"{user.Username} has no sessions.");
                return 0;
            }

            var table = new TextTable("SESSION", "CREATED (UTC)", "LAST SEEN (UTC)", "STATE", "KIND", "USER AGENT");
            foreach (var s in list.OrderByDescending(s => s.CreatedAt))
            {
                table.Add(s.Id, Time(s.CreatedAt), Time(s.LastSeenAt), sessions.IsLive(new PresentedSession(s, user, cutoff)) ? "live" : "ended", SessionKindNames.Of(s.Kind), s.UserAgent);
            }

            table.WriteTo(output);
            return 0;
        }));

        var sessionId = new Argument<string?>("session-id") { Description = "The session to end (see 'sessions list').", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "End every session of the user and revoke every token issued so far." };
        var sessionsEnd = new Command("end", "End one session of a user, or all of them with --all.") { username, sessionId, all };
        sessionsEnd.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            if (await FindUserAsync(services, error, parse.GetValue(username)!, ct) is not { } user)
            {
                return 1;
            }

            var sessions = services.GetRequiredService<SessionService>();
            if (parse.GetValue(all))
            {
                var ended = await sessions.EndEverythingOfUserAsync(user.Id, ct);
                output.WriteLine($"Ended {ended} session(s) of {user.Username}; every token issued before now is refused.");
                await AuditAsync(services, AuditKind.SessionEndedByAdmin, user.Id, $"all=true sessions_ended={ended}", ct);
                return 0;
            }

            if (parse.GetValue(sessionId) is not { } id)
            {
                error.WriteLine("Name a session id, or pass --all.");
                return 1;
            }

            var found = SessionCookieValue.IsSessionId(id) && await sessions.EndAsync(user.Id, id, ct);
            (found ? output : error).WriteLine(found ? $"Ended session {id}." : $"No session {id} for {user.Username}.");
            if (found)
            {
                await AuditAsync(services, AuditKind.SessionEndedByAdmin, user.Id, $"session={id}", ct);
            }

            return found ? 0 : 1;
        }));

        var endEveryone = new Command("end-everyone", "End every session of every user now; every token of those sessions is refused at once.");
        endEveryone.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            var cutoff = await services.GetRequiredService<SessionService>().EndEverySessionAsync(ct);
            output.WriteLine($"Ended every session created before {cutoff.UtcDateTime:u}.");
            await AuditAsync(services, AuditKind.EveryoneLoggedOut, null, "by=sessions_end_everyone", ct);
            return 0;
        }));

        var setup = new Command("setup", "Create missing tables; with the development key source, create a first key version if none is usable.");
        setup.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            await services.GetRequiredService<AuthTables>().CreateAllAsync(ct);
            output.WriteLine("Tables ready.");
            var keys = services.GetRequiredService<ISigningKeyAdministration>();
            if (services.GetRequiredService<ISigningKeySource>() is ServerlessAuth.TableStorage.SigningKeys.TableSigningKeySource
                && !(await keys.ListAsync(ct)).Any(v => v.IsUsableAt(TimeProvider.System.GetUtcNow())))
            {
                var created = await keys.AddVersionAsync(ct);
                output.WriteLine($"Created signing key version {created.Id} in {keys.Description}.");
            }

            return 0;
        }));

        var purge = new Command("purge", "Delete denylist entries of expired tokens, expired sessions and audit records past their retention (Table Storage has no TTL).");
        purge.SetAction((parse, ct) => RunAsync(parse, error, async services =>
        {
            var result = await services.GetRequiredService<ExpiredRecordPurger>().PurgeAsync(ct);
            output.WriteLine($"Deleted {result.RevokedTokensDeleted} revoked-token entries, {result.SessionsDeleted} expired sessions and {result.LoginFailuresDeleted} stale failed-login counters.");
            output.WriteLine($"Deleted {result.AuditRecordsDeleted} audit records older than the audit retention.");
            return 0;
        }));

        var auditUser = new Option<string?>("--user") { Description = "Only records of this user." };
        var auditSince = new Option<string?>("--since") { Description = "How far back: 30m, 12h, 7d or [d.]hh:mm:ss (default 24h)." };
        var auditKind = new Option<string?>("--kind") { Description = "Only this kind: " + string.Join(", ", Enum.GetValues<AuditKind>().Select(AuditEvent.NameOf)) + "." };
        var auditJson = new Option<bool>("--json") { Description = "Print a JSON array instead of columns." };
        var auditList = new Command("list", "List audit records, oldest first.") { auditUser, auditSince, auditKind, auditJson };
        auditList.SetAction((parse, ct) => RunAsync(parse, error, services => ListAuditAsync(services, output, error,
            parse.GetValue(auditUser), parse.GetValue(auditSince), parse.GetValue(auditKind), parse.GetValue(auditJson), ct)));

        var root = new RootCommand("ServerlessAuth administration: users, sessions, signing keys, API clients, audit.")
        {
            Verbose,
            new Command("users", "Manage user accounts.") { usersAdd, usersDisable, usersEnable, usersUnlock },
            new Command("sessions", "Inspect and end sessions.") { sessionsList, sessionsEnd, endEveryone },
            KeyCommands.Build(output, error),
            ClientCommands.Build(output, error),
            new Command("audit", "Read the audit records.") { auditList },
            setup,
            purge,
        };
        return root;
    }

    /// <summary>On every command: log lines (audit events included) and stack traces on stderr.</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "Show log lines and the full error with its stack trace.", Recursive = true };

    public static async Task<int> RunAsync(ParseResult parse, TextWriter error, Func<IServiceProvider, Task<int>> action)
    {
        var settings = SettingsSearch.FromWorkingDirectory();
        var verbose = parse.GetValue(Verbose);
        // Disposed only after the catch blocks, which read the failing endpoint from its settings.
        IHost? host = null;
        try
        {
            host = AdminHost.Build(settings, verbose);
            return await action(host.Services);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            if (settings.Found is null)
            {
                // The likelier cause of a missing setting: the settings file was not where the CLI looked.
                error.WriteLine(settings.Describe());
            }

            return 2;
        }
        catch (Exception ex) when (AzureFailure.IsAzureTrouble(ex))
        {
            error.WriteLine($"error: {AzureFailure.Describe(ex, host?.Services)}");
            WriteDetails(error, ex, verbose);
            return 2;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The configuration binder's "Failed to convert configuration value at 'X' to type 'Y'".
            error.WriteLine($"error: {ex.Message}");
            WriteDetails(error, ex, verbose);
            return 2;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug, not the operator's doing: one line, and the trace on request.
            error.WriteLine($"error: unexpected {ex.GetType().Name}: {ex.Message.Split('\n', 2)[0].Trim()} (--verbose shows where)");
            WriteDetails(error, ex, verbose);
            return 3;
        }
        finally
        {
            host?.Dispose();
        }
    }

    /// <summary>The full exception, stack trace included, only when asked for.</summary>
    private static void WriteDetails(TextWriter error, Exception ex, bool verbose)
    {
        if (verbose)
        {
            error.WriteLine(ex.ToString());
        }
    }

    /// <summary>
    /// The audit record of an operator action, written after the action succeeded. If it cannot be written the
    /// command fails (exit code 2) although the action was done; the message says so.
    /// </summary>
    public static async Task AuditAsync(IServiceProvider services, AuditKind kind, string? userId, string? detail, CancellationToken ct)
    {
        try
        {
            await services.GetRequiredService<AuditTrail>().RecordAsync(kind, AuditActor.Operator, userId, "ok", detail, ct);
        }
        catch (StorageUnavailableException ex)
        {
            throw new StorageUnavailableException($"The change was made, but its audit record could not be written: {ex.Message}", ex);
        }
    }

    /// <summary>30m, 12h, 7d, or a TimeSpan ([d.]hh:mm:ss).</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length >= 2 && char.ToLowerInvariant(text[^1]) is 'm' or 'h' or 'd'
            && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            duration = char.ToLowerInvariant(text[^1]) switch { 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
            return true;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }

    private static async Task<int> ListAuditAsync(
        IServiceProvider services, TextWriter output, TextWriter error, string? userName, string? sinceText, string? kindText, bool json, CancellationToken ct)
    {
        var since = TimeSpan.FromHours(24);
        if (sinceText is not null && !TryParseDuration(sinceText, out since))
        {
            error.WriteLine($"--since '{sinceText}' is not a duration; use 30m, 12h, 7d or [d.]hh:mm:ss.");
            return 1;
        }

        AuditKind? kind = null;
        if (kindText is not null)
        {
            if (!AuditEvent.TryParseKind(kindText, out var parsed))
            {
                error.WriteLine($"--kind '{kindText}' is not a kind; one of {string.Join(", ", Enum.GetValues<AuditKind>().Select(AuditEvent.NameOf))}.");
                return 1;
            }

            kind = parsed;
        }

        string? userId = null;
        if (userName is not null)
        {
            if (await FindUserAsync(services, error, userName, ct) is not { } user)
            {
                return 1;
            }

            userId = user.Id;
        }

        var records = (await services.GetRequiredService<AuditTrail>().ListSinceAsync(TimeProvider.System.GetUtcNow() - since, ct))
            .Where(r => (kind is null || r.Kind == kind) && (userId is null || r.UserId == userId))
            .OrderBy(r => r.At)
            .ToList();
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(
                records.Select(r => new AuditRecordJson(r.At, AuditEvent.NameOf(r.Kind), r.UserId, r.ClientAddress, r.Outcome, r.Detail, r.UserAgent)),
                JsonOptions));
            return 0;
        }

        if (records.Count == 0)
        {
            output.WriteLine($"No audit records match (since {since}, kind {kindText ?? "any"}, user {userName ?? "any"}).");
            return 0;
        }

        var table = new TextTable("TIME (UTC)", "KIND", "USER", "CLIENT", "OUTCOME", "DETAIL", "USER AGENT");
        foreach (var r in records)
        {
            // "-" for an empty cell, so every row has every column.
            table.Add(Time(r.At), AuditEvent.NameOf(r.Kind), r.UserId ?? "-", r.ClientAddress ?? "-", r.Outcome, string.IsNullOrEmpty(r.Detail) ? "-" : r.Detail, r.UserAgent);
        }

        table.WriteTo(output);
        return 0;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private sealed record AuditRecordJson(DateTimeOffset At, string Kind, string? UserId, string? ClientAddress, string Outcome, string? Detail, string? UserAgent);

    internal static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The one rule for a name that is no user: every command prints this and exits with 1.</summary>
    private static async Task<UserAccount?> FindUserAsync(IServiceProvider services, TextWriter error, string name, CancellationToken ct)
    {
        var user = await services.GetRequiredService<UserAdministration>().FindAsync(name, ct);
        if (user is null)
        {
            error.WriteLine($"No user named '{name}'.");
        }

        return user;
    }

    private static async Task<int> SetDisabledAsync(IServiceProvider services, TextWriter output, TextWriter error, string name, bool disabled, CancellationToken ct)
    {
        if (await FindUserAsync(services, error, name, ct) is not { } user)
        {
            return 1;
        }

        var administration = services.GetRequiredService<UserAdministration>();
        if (disabled)
        {
            var ended = await administration.DisableAsync(user, ct);
            output.WriteLine($"Disabled {user.Username}; ended {ended} session(s) and every token issued so far.");
            await AuditAsync(services, AuditKind.UserDisabled, user.Id, $"sessions_ended={ended}", ct);
        }
        else
        {
            await administration.EnableAsync(user, ct);
            output.WriteLine($"Enabled {user.Username}.");
            await AuditAsync(services, AuditKind.UserEnabled, user.Id, null, ct);
        }

        return 0;
    }
}
