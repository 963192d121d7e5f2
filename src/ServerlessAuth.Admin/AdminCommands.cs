using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
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
        usersAdd.SetAction((parse, ct) => RunAsync(error, async services =>
        {
            var password = PasswordInput.Read(error);
            try
            {
                var user = await services.GetRequiredService<UserAdministration>().AddAsync(parse.GetValue(username)!, password ?? "", ct);
                output.WriteLine($"Created user {user.Username} ({user.Id}).");
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or DuplicateUsernameException)
            {
                error.WriteLine(ex.Message);
                return 1;
            }
        }));

        var usersDisable = new Command("disable", "Disable a user: login is refused, and every session and token of the user ends at once.") { username };
        usersDisable.SetAction((parse, ct) => RunAsync(error, services => SetDisabledAsync(services, output, error, parse.GetValue(username)!, true, ct)));
        var usersEnable = new Command("enable", "Enable a disabled user.") { username };
        usersEnable.SetAction((parse, ct) => RunAsync(error, services => SetDisabledAsync(services, output, error, parse.GetValue(username)!, false, ct)));

        var usersUnlock = new Command("unlock", "Clear a username's failed-login count and lockout.") { username };
        usersUnlock.SetAction((parse, ct) => RunAsync(error, async services =>
        {
            // Same rule as every other command: an unknown name is an error, not a silent success.
            if (await FindUserAsync(services, error, parse.GetValue(username)!, ct) is not { } user)
            {
                return 1;
            }

            await services.GetRequiredService<AccountLockout>().ResetAsync(user.NormalizedUsername, ct);
            output.WriteLine($"Unlocked {user.Username}.");
            return 0;
        }));

        var sessionsList = new Command("list", "List a user's sessions.") { username };
        sessionsList.SetAction((parse, ct) => RunAsync(error, async services =>
        {
            if (await FindUserAsync(services, error, parse.GetValue(username)!, ct) is not { } user)
            {
                return 1;
            }

            var sessions = services.GetRequiredService<SessionService>();
            var list = await sessions.ListAsync(user.Id, ct);
            var cutoff = await sessions.GetSessionsValidAfterAsync(ct);
            output.WriteLine($"{"SESSION",-24}{"CREATED (UTC)",-22}{"LAST SEEN (UTC)",-22}{"STATE",-9}USER AGENT");
            foreach (var s in list.OrderByDescending(s => s.CreatedAt))
            {
                output.WriteLine($"{s.Id,-24}{s.CreatedAt.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{s.LastSeenAt.UtcDateTime,-22:yyyy-MM-dd HH:mm:ss}{(sessions.IsLive(new PresentedSession(s, user, cutoff)) ? "live" : "ended"),-9}{s.UserAgent}");
            }

            return 0;
        }));

        var sessionId = new Argument<string?>("session-id") { Description = "The session to end (see 'sessions list').", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "End every session of the user and revoke every token issued so far." };
        var sessionsEnd = new Command("end", "End one session of a user, or all of them with --all.") { username, sessionId, all };
        sessionsEnd.SetAction((parse, ct) => RunAsync(error, async services =>
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
                return 0;
            }

            if (parse.GetValue(sessionId) is not { } id)
            {
                error.WriteLine("Name a session id, or pass --all.");
                return 1;
            }

            var found = SessionCookieValue.IsSessionId(id) && await sessions.EndAsync(user.Id, id, ct);
            (found ? output : error).WriteLine(found ? $"Ended session {id}." : $"No session {id} for {user.Username}.");
            return found ? 0 : 1;
        }));

        var endEveryone = new Command("end-everyone", "End every session of every user now; every token of those sessions is refused at once.");
        endEveryone.SetAction((_, ct) => RunAsync(error, async services =>
        {
            var cutoff = await services.GetRequiredService<SessionService>().EndEverySessionAsync(ct);
            output.WriteLine($"Ended every session created before {cutoff.UtcDateTime:u}.");
            return 0;
        }));

        var setup = new Command("setup", "Create missing tables; with the development key source, create a first key version if none is usable.");
        setup.SetAction((_, ct) => RunAsync(error, async services =>
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

        var purge = new Command("purge", "Delete denylist entries of expired tokens and expired sessions (Table Storage has no TTL).");
        purge.SetAction((_, ct) => RunAsync(error, async services =>
        {
            var result = await services.GetRequiredService<ExpiredRecordPurger>().PurgeAsync(ct);
            output.WriteLine($"Deleted {result.RevokedTokensDeleted} revoked-token entries, {result.SessionsDeleted} expired sessions and {result.LoginFailuresDeleted} stale failed-login counters.");
            return 0;
        }));

        var root = new RootCommand("ServerlessAuth administration: users, sessions, signing keys.")
        {
            new Command("users", "Manage user accounts.") { usersAdd, usersDisable, usersEnable, usersUnlock },
            new Command("sessions", "Inspect and end sessions.") { sessionsList, sessionsEnd, endEveryone },
            KeyCommands.Build(output, error),
            setup,
            purge,
        };
        return root;
    }

    public static async Task<int> RunAsync(TextWriter error, Func<IServiceProvider, Task<int>> action)
    {
        var settings = SettingsSearch.FromWorkingDirectory();
        try
        {
            using var host = AdminHost.Build(settings);
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
        catch (Exception ex) when (ex is StorageUnavailableException or SigningKeysUnavailableException or Azure.RequestFailedException)
        {
            error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The configuration binder's "Failed to convert configuration value at 'X' to type 'Y'".
            error.WriteLine($"error: {ex.Message}");
            return 2;
        }
    }

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
        }
        else
        {
            await administration.EnableAsync(user, ct);
            output.WriteLine($"Enabled {user.Username}.");
        }

        return 0;
    }
}
