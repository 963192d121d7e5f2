using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServerlessAuth.Configuration;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.Admin;

/// <summary>Where the CLI looked for <c>local.settings.json</c>, and the file it found, if any.</summary>
internal sealed record SettingsSearch(IReadOnlyList<string> Directories, string? Found)
{
    /// <summary>
    /// As the web host looks: the working directory, then two levels up, which is the repository root
    /// when run from a project folder such as <c>src/ServerlessAuth.Admin</c>.
    /// </summary>
    public static SettingsSearch FromWorkingDirectory()
    {
        var directory = Directory.GetCurrentDirectory();
        string[] directories = [directory, Path.GetFullPath(Path.Combine(directory, "..", ".."))];
        directories = [.. directories.Distinct()];
        return new SettingsSearch(directories, FunctionsLocalSettings.Find(directories));
    }

    /// <summary>What was looked for, for errors about settings that were not found.</summary>
    public string Describe() =>
        $"No {FunctionsLocalSettings.FileName} was found (looked in {string.Join(" and ", Directories)}), so settings come only from environment variables "
        + "(AuthStorage__ConnectionString, SigningKeys__VaultUri, DOTNET_ENVIRONMENT, ...). Run from the repository root or a project folder, or set them.";
}

/// <summary>
/// The CLI's services, configured like the hosts: <c>local.settings.json</c> (see <see cref="SettingsSearch"/>),
/// then environment variables (<c>AuthStorage__ConnectionString</c>, <c>SigningKeys__VaultUri</c>, ...).
/// </summary>
internal static class AdminHost
{
    public static IHost Build(SettingsSearch settings, bool verbose)
    {
        string[] found = settings.Found is { } file ? [Path.GetDirectoryName(file)!] : [];
        var preview = new ConfigurationBuilder().AddFunctionsLocalSettings(found).AddEnvironmentVariables().Build();
        var environment = preview["DOTNET_ENVIRONMENT"] ?? preview["AZURE_FUNCTIONS_ENVIRONMENT"] ?? preview["ASPNETCORE_ENVIRONMENT"] ?? Environments.Production;

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = environment,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddFunctionsLocalSettings(found).AddEnvironmentVariables();
        // Diagnostics go to stderr; stdout carries only the command's output.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (verbose)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Information);
        }
        else
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Azure", LogLevel.Error) // Expected answers such as 409 on a taken name are reported by the command itself.
                .AddFilter(typeof(Audit.AuditTrail).FullName, LogLevel.None); // The command's own output says what it did; the record is in the Audit table.
        }

        builder.Services.AddServerlessAuthCore(builder.Configuration).AddServerlessAuthTableStorage(builder.Configuration);
        return builder.Build();
    }
}
