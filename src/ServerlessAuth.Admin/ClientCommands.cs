using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using ServerlessAuth.Audit;
using ServerlessAuth.Clients;

namespace ServerlessAuth.Admin;

/// <summary>The API clients that may call introspection and the revocations endpoint.</summary>
internal static class ClientCommands
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var clientId = new Argument<string>("client-id") { Description = "The client's id: 1 to 64 letters, digits, '-', '_' or '.'." };
        var description = new Option<string?>("--description") { Description = "What the client is (shown by 'clients list')." };
        var add = new Command("add", "Register an API client; its secret is printed once and only its hash is stored.") { clientId, description };
        add.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var id = parse.GetValue(clientId)!;
            AddedClient? added;
            try
            {
                added = await services.GetRequiredService<ClientAdministration>().AddAsync(id, parse.GetValue(description), ct);
            }
            catch (ArgumentException ex)
            {
                error.WriteLine(ex.Message.Split(" (Parameter", 2)[0]);
                return 1;
            }

            if (added is null)
            {
                error.WriteLine($"A client '{id}' exists already; remove it first to issue a new secret.");
                return 1;
            }

            output.WriteLine($"Registered client {id}. Its secret, shown only now:");
            output.WriteLine(added.Secret);
            await AdminCommands.AuditAsync(services, AuditKind.ClientAdded, null, $"client={id}", ct);
            return 0;
        }));

        var list = new Command("list", "List the registered API clients (never their secrets).");
        list.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var clients = await services.GetRequiredService<ClientAdministration>().ListAsync(ct);
            if (clients.Count == 0)
            {
                output.WriteLine("No API clients registered; 'clients add <client-id>' registers one.");
                return 0;
            }

            var table = new TextTable("CLIENT", "CREATED (UTC)", "DESCRIPTION");
            foreach (var c in clients.OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                table.Add(c.Id, AdminCommands.Time(c.CreatedAt), c.Description);
            }

            table.WriteTo(output);
            return 0;
        }));

        var remove = new Command("remove", "Remove an API client: its next call is refused.") { clientId };
        remove.SetAction((parse, ct) => AdminCommands.RunAsync(parse, error, async services =>
        {
            var id = parse.GetValue(clientId)!;
            var removed = await services.GetRequiredService<ClientAdministration>().RemoveAsync(id, ct);
            (removed ? output : error).WriteLine(removed ? $"Removed client {id}." : $"No client named '{id}'.");
            if (removed)
            {
                await AdminCommands.AuditAsync(services, AuditKind.ClientRemoved, null, $"client={id}", ct);
            }

            return removed ? 0 : 1;
        }));

        return new Command("clients", "Manage the API clients of introspection and the revocations endpoint.") { add, list, remove };
    }
}
