using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessAuth.SigningKeys;
using ServerlessAuth.Storage;

namespace ServerlessAuth.InfraTests;

/// <summary>
/// The function app's settings in the compiled template against what the app binds: every
/// <c>Section__Property</c> setting must name a public settable property of the options class whose
/// <c>SectionName</c> is <c>Section</c> (case-sensitive, as the names are written in Bicep), and anything else
/// must be on the allow-list of platform settings.
/// </summary>
public sealed class AppSettingsTests
{
    /// <summary>The options classes the app binds from configuration.</summary>
    private static readonly Type[] OptionTypes = [typeof(AuthOptions), typeof(SigningKeyOptions), typeof(StorageOptions)];

    /// <summary>Settings the app cannot run without in Azure.</summary>
    private static readonly string[] RequiredAppSettings =
    [
        "Auth__Issuer",
        "Auth__Audience",
        "AuthStorage__TableServiceUri",
        "SigningKeys__VaultUri",
        "SigningKeys__SecretName",
    ];

    /// <summary>Settings the Functions host and the Azure SDK need for identity-based access.</summary>
    private static readonly string[] RequiredPlatformSettings =
    [
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "AzureWebJobsStorage__blobServiceUri",
        "AZURE_CLIENT_ID",
        "AZURE_TOKEN_CREDENTIALS",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    ];

    /// <summary>Platform settings (not bound by the app) that may appear, exactly as written.</summary>
    private static readonly HashSet<string> AllowedPlatformSettings = new(StringComparer.Ordinal)
    {
        "AZURE_CLIENT_ID", // DefaultAzureCredential: which user-assigned identity to use
        "AZURE_TOKEN_CREDENTIALS", // DefaultAzureCredential: which credentials of the chain to try
        "WEBSITE_USE_PLACEHOLDER_DOTNETISOLATED", // not set; docs/deploy.md says when to add it (azure-functions-dotnet-worker#3335)
    };

    /// <summary>Prefixes of platform settings that may appear.</summary>
    private static readonly string[] AllowedPlatformPrefixes =
    [
        "AzureWebJobsStorage__", // identity-based host storage connection
        "APPLICATIONINSIGHTS_", // telemetry
    ];

    /// <summary>Settings that must not be there: secrets. (Those Flex Consumption deprecates: TemplateTests.)</summary>
    private static readonly string[] ForbiddenSettings =
    [
        "AuthStorage__ConnectionString", // would need a shared key, and shared keys are off
        "AzureWebJobsStorage", // a connection string, same reason
    ];

    [Fact]
    public void OptionClassesDeclareTheirSection()
    {
        Assert.Equal(["Auth", "SigningKeys", "AuthStorage"], OptionTypes.Select(SectionName));
    }

    [Fact]
    public void EverySettingIsBoundByTheAppOrAnAllowedPlatformSetting()
    {
        var problems = Check(FunctionAppSettings().Keys);

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void TheCheckRejectsAMisspelledSetting()
    {
        // The check above must be able to fail: renamed, miscased, unknown-section and unknown settings are caught.
        var settings = FunctionAppSettings().Keys.ToList();
        Assert.Contains("Auth__Issuer", settings);

        Assert.NotEmpty(Check(settings.Select(name => name == "Auth__Issuer" ? "Auth__Issuers" : name)));
        Assert.NotEmpty(Check(settings.Select(name => name == "Auth__Issuer" ? "Auth__issuer" : name)));
        Assert.NotEmpty(Check(settings.Select(name => name == "Auth__Issuer" ? "auth__Issuer" : name)));
        Assert.NotEmpty(Check(settings.Select(name => name == "Auth__Issuer" ? "Auth:Issuer" : name)));
        Assert.NotEmpty(Check([.. settings, "SOME_OTHER_SETTING"]));
        Assert.NotEmpty(Check([.. settings, "Auth__Issuer__Extra"]));
        Assert.NotEmpty(Check(settings.Where(name => name != "SigningKeys__VaultUri")));
    }

    [Fact]
    public void TheClientAddressComesFromTheConnectionNotFromAHeader()
    {
        // The worker's forwarded-headers middleware consumes X-Forwarded-For before the app runs; a header setting
        // would find nothing, and any other header is not one the Functions host vouches for (docs/architecture.md).
        var settings = FunctionAppSettings();
        Assert.False(settings.ContainsKey("Auth__ClientAddressHeader"), $"Auth__ClientAddressHeader is set to {settings.GetValueOrDefault("Auth__ClientAddressHeader")?.ToJsonString()}.");
    }

    [Fact]
    public void InAzureTheCredentialChainIsOnlyTheManagedIdentity()
    {
        // Without it DefaultAzureCredential tries environment, workload identity and a probe first at each start.
        var settings = FunctionAppSettings();
        Assert.Equal("ManagedIdentityCredential", settings["AZURE_TOKEN_CREDENTIALS"]!.GetValue<string>());
        Assert.Contains("ClientId", settings["AZURE_CLIENT_ID"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HostStorageHasNoQueueEndpoint()
    {
        // The identity has no queue role and the app has no queue trigger: an endpoint would only invite failing calls.
        Assert.DoesNotContain(FunctionAppSettings().Keys, name => name.Contains("queue", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void NoSettingCarriesASecret()
    {
        foreach (var (name, value) in FunctionAppSettings())
        {
            var text = value?.ToJsonString() ?? "";
            Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("InstrumentationKey", name, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void DefaultValuesBindAndPassTheOptionsValidation()
    {
        var (resource, scope) = AppSettingsResource();
        var settings = SettingsOf(resource);
        foreach (var type in OptionTypes)
        {
            var instance = Activator.CreateInstance(type)!;
            var prefix = SectionName(type) + "__";
            foreach (var (name, value) in settings.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)))
            {
                // Unknown names are reported by EverySettingIsBoundByTheAppOrAnAllowedPlatformSetting.
                if (type.GetProperty(name[prefix.Length..], BindingFlags.Public | BindingFlags.Instance) is not { CanWrite: true } property)
                {
                    continue;
                }

                property.SetValue(instance, Bind(name, property.PropertyType, scope.Resolve(value), value));
            }

            var errors = new List<ValidationResult>();
            var valid = Validator.TryValidateObject(instance, new ValidationContext(instance), errors, validateAllProperties: true);
            Assert.True(valid, $"{type.Name} from the default app settings: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
        }
    }

    [Fact]
    public void EndpointSettingsPointAtTheRightServices()
    {
        var settings = FunctionAppSettings();
        Assert.Contains("primaryEndpoints.table", settings["AuthStorage__TableServiceUri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.table", settings["AzureWebJobsStorage__tableServiceUri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("primaryEndpoints.blob", settings["AzureWebJobsStorage__blobServiceUri"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]!.GetValue<string>());

        // Default issuer: the base URL of the auth endpoints at the app's own https address.
        var issuer = settings["Auth__Issuer"]!.GetValue<string>();
        Assert.Contains("https://", issuer, StringComparison.Ordinal);
        Assert.Contains("defaultHostName", issuer, StringComparison.Ordinal);
        Assert.Contains("/api/auth'", issuer, StringComparison.Ordinal);
    }

    /// <summary>Problems of a list of setting names; empty when they are all right.</summary>
    private static List<string> Check(IEnumerable<string> settingNames)
    {
        var names = settingNames.ToList();
        var problems = new List<string>();
        var sections = OptionTypes.ToDictionary(SectionName, type => type, StringComparer.Ordinal);

        foreach (var name in names)
        {
            if (AllowedPlatformSettings.Contains(name) || AllowedPlatformPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = name.Split("__");
            if (parts.Length != 2)
            {
                problems.Add($"'{name}' is neither Section__Property nor an allowed platform setting.");
            }
            else if (!sections.TryGetValue(parts[0], out var type))
            {
                problems.Add($"'{name}': no options class has SectionName '{parts[0]}' (known: {string.Join(", ", sections.Keys)}).");
            }
            else if (!BindableProperties(type).Contains(parts[1]))
            {
                problems.Add($"'{name}': {type.Name} has no public settable property '{parts[1]}' (it has: {string.Join(", ", BindableProperties(type))}).");
            }
        }

        problems.AddRange(RequiredAppSettings.Concat(RequiredPlatformSettings)
            .Where(required => !names.Contains(required, StringComparer.Ordinal))
            .Select(missing => $"'{missing}' is required and missing."));
        problems.AddRange(ForbiddenSettings
            .Where(forbidden => names.Contains(forbidden, StringComparer.Ordinal))
            .Select(present => $"'{present}' must not be set."));
        problems.AddRange(names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"'{g.Key}' is set more than once (setting names are case-insensitive in Azure)."));
        return problems;
    }

    private static string SectionName(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
            ? (string)field.GetRawConstantValue()!
            : throw new InvalidOperationException($"{type.Name} has no public const SectionName.");

    private static SortedSet<string> BindableProperties(Type type) =>
        new(type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true })
            .Select(p => p.Name),
            StringComparer.Ordinal);

    /// <summary>Converts a setting's value as the configuration binder does (through the type's TypeConverter).</summary>
    private static object? Bind(string name, Type type, JsonNode? resolved, JsonNode? expression)
    {
        if (resolved is JsonValue value && value.TryGetValue<string>(out var text))
        {
            try
            {
                return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
            }
            catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException)
            {
                Assert.Fail($"The default value '{text}' of {name} does not convert to {type.Name}: {e.Message}");
            }
        }

        // Computed at deployment time (for example the issuer from the app's host name): a stand-in of the right shape.
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            // A format('https://{0}/api/auth', ...) keeps its literal parts, so their shape is checked too.
            var format = expression is JsonValue raw && raw.TryGetValue<string>(out var rawText)
                ? Regex.Match(rawText, @"format\('([^']*)'")
                : Match.Empty;
            return format.Success
                ? Regex.Replace(format.Groups[1].Value, @"\{\d+\}", "deployment-time-value.invalid")
                : "https://deployment-time-value.invalid";
        }

        if (underlying == typeof(Uri))
        {
            return new Uri("https://deployment-time-value.invalid/");
        }

        Assert.Fail($"{name} ({type.Name}) must have a literal default value in the template so that it can be checked.");
        return null;
    }

    private static (JsonObject Resource, TemplateScope Scope) AppSettingsResource()
    {
        var appSettings = CompiledMain.ResourcesOfType("Microsoft.Web/sites/config")
            .Where(r => r.Resource["name"]?.GetValue<string>().Contains("appsettings", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(appSettings.Count == 1, $"Expected one Microsoft.Web/sites/config 'appsettings' resource, found {appSettings.Count}.");

        // All settings are in that resource: none hidden in siteConfig.appSettings, which it would replace.
        var site = CompiledMain.Single("Microsoft.Web/sites").Resource;
        Assert.Null(site["properties"]?["siteConfig"]?["appSettings"]);
        return appSettings[0];
    }

    private static Dictionary<string, JsonNode?> SettingsOf(JsonObject resource)
    {
        var properties = resource["properties"] as JsonObject;
        Assert.True(properties is not null, "The app settings must be a literal object in Bicep, so that their names can be checked (not union(...) or a parameter).");
        return properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    private static Dictionary<string, JsonNode?> FunctionAppSettings() => SettingsOf(AppSettingsResource().Resource);
}
