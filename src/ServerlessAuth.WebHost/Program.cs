using ServerlessAuth.WebHost;

var app = ServerlessAuthWebApp.Build(args);
if (app.Environment.IsDevelopment())
{
    await app.EnsureTablesAsync();
}

await app.RunAsync();
