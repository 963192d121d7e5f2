using ServerlessAuth.Admin;

return await AdminCommands.Build(Console.Out, Console.Error).Parse(args).InvokeAsync();
