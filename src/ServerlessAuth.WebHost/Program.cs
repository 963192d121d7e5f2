using ServerlessAuth.WebHost;

var app = ServerlessAuthWebApp.Build(args);
if (await app.PrepareAsync(Console.Error) is { } exitCode)
{
    await app.DisposeAsync();
    return exitCode;
}

await app.RunAsync();
return 0;
