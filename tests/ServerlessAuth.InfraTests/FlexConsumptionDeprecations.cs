using System.Text.Json.Nodes;

namespace ServerlessAuth.InfraTests;

/// <summary>
/// Site properties and app settings that the Flex Consumption plan deprecates or rejects (ARM error 51021 for
/// some site properties on newer stamps). The one list the template tests check against.
/// </summary>
/// <remarks>
/// Source: Azure Functions app settings reference, section "Flex Consumption plan deprecations"
/// (https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations),
/// as published in 2026. The docs write site properties as <c>properties.x</c> or <c>properties.siteConfig.x</c>;
/// ARM accepts most of them in <c>siteConfig</c> as well as directly under <c>properties</c>, so both places are
/// checked. Add new entries here when the docs add them.
/// </remarks>
internal static class FlexConsumptionDeprecations
{
    /// <summary>App settings, with the docs' reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> AppSettings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["ENABLE_ORYX_BUILD"] = "replaced by the remoteBuild deployment parameter",
        ["FUNCTIONS_EXTENSION_VERSION"] = "set by the backend",
        ["FUNCTIONS_WORKER_RUNTIME"] = "replaced by functionAppConfig.runtime.name",
        ["FUNCTIONS_WORKER_RUNTIME_VERSION"] = "replaced by functionAppConfig.runtime.version",
        ["FUNCTIONS_MAX_HTTP_CONCURRENCY"] = "replaced by the scaleAndConcurrency trigger section",
        ["FUNCTIONS_WORKER_PROCESS_COUNT"] = "not valid",
        ["FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED"] = "not valid",
        ["SCM_DO_BUILD_DURING_DEPLOYMENT"] = "replaced by the remoteBuild deployment parameter",
        ["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] = "replaced by functionAppConfig.deployment",
        ["WEBSITE_CONTENTOVERVNET"] = "not used for networking in Flex Consumption",
        ["WEBSITE_CONTENTSHARE"] = "replaced by functionAppConfig.deployment",
        ["WEBSITE_DNS_SERVER"] = "DNS comes from the integrated virtual network",
        ["WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT"] = "replaced by functionAppConfig.scaleAndConcurrency.maximumInstanceCount",
        ["WEBSITE_NODE_DEFAULT_VERSION"] = "replaced by functionAppConfig.runtime.version",
        ["WEBSITE_RUN_FROM_PACKAGE"] = "not used for deployments in Flex Consumption",
        ["WEBSITE_SKIP_CONTENTSHARE_VALIDATION"] = "no content share in Flex Consumption",
        ["WEBSITE_VNET_ROUTE_ALL"] = "not used for networking in Flex Consumption",
    };

    /// <summary>Site properties (the last segment of the docs' path), with the docs' reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> SiteProperties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["alwaysOn"] = "not valid",
        ["containerSize"] = "renamed instanceMemoryMB",
        ["dnsConfiguration"] = "custom DNS of the virtual network is used",
        ["ftpsState"] = "FTPS not supported",
        ["isReserved"] = "not valid",
        ["isXenon"] = "not valid",
        ["javaVersion"] = "replaced by functionAppConfig.runtime.version",
        ["linuxFxVersion"] = "replaced by functionAppConfig.runtime",
        ["netFrameworkVersion"] = "replaced by functionAppConfig.runtime.version",
        ["powerShellVersion"] = "replaced by functionAppConfig.runtime.version",
        ["functionAppScaleLimit"] = "renamed maximumInstanceCount",
        ["preWarmedInstanceCount"] = "renamed alwaysReadyInstances",
        ["use32BitWorkerProcess"] = "32-bit not supported",
        ["vnetBackupRestoreEnabled"] = "not used for networking in Flex Consumption",
        ["vnetContentShareEnabled"] = "not used for networking in Flex Consumption",
        ["vnetImagePullEnabled"] = "not used for networking in Flex Consumption",
        ["vnetRouteAllEnabled"] = "not used for networking in Flex Consumption",
        ["windowsFxVersion"] = "not valid",
    };

    /// <summary>
    /// Every deprecated name found in the given resources: site properties directly under <c>properties</c> and in
    /// <c>properties.siteConfig</c> of a site, properties of a <c>sites/config</c> 'web' resource, and app settings in
    /// <c>siteConfig.appSettings</c> or a <c>sites/config</c> 'appsettings' resource. Names compare case-insensitively,
    /// as ARM does.
    /// </summary>
    public static List<string> Find(IEnumerable<JsonObject> resources)
    {
        var found = new List<string>();
        foreach (var resource in resources)
        {
            var type = TemplateScope.Type(resource) ?? "";
            var name = resource["name"]?.GetValue<string>() ?? "";
            var properties = resource["properties"] as JsonObject;
            if (type.Equals("Microsoft.Web/sites", StringComparison.OrdinalIgnoreCase))
            {
                found.AddRange(SitePropertiesIn(properties, "properties"));
                found.AddRange(SitePropertiesIn(properties?["siteConfig"] as JsonObject, "properties.siteConfig"));
                if (properties?["siteConfig"]?["appSettings"] is JsonArray pairs)
                {
                    found.AddRange(pairs.Select(p => p?["name"]?.GetValue<string>() ?? "")
                        .Where(AppSettings.ContainsKey)
                        .Select(setting => $"app setting {setting} (siteConfig.appSettings): {AppSettings[setting]}"));
                }
            }
            else if (type.Equals("Microsoft.Web/sites/config", StringComparison.OrdinalIgnoreCase) && properties is not null)
            {
                if (name.Contains("appsettings", StringComparison.OrdinalIgnoreCase))
                {
                    found.AddRange(properties.Select(p => p.Key).Where(AppSettings.ContainsKey)
                        .Select(setting => $"app setting {setting}: {AppSettings[setting]}"));
                }
                else if (name.Contains("web", StringComparison.OrdinalIgnoreCase))
                {
                    found.AddRange(SitePropertiesIn(properties, "config/web"));
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> SitePropertiesIn(JsonObject? properties, string where) =>
        properties is null
            ? []
            : properties.Select(p => p.Key).Where(SiteProperties.ContainsKey)
                .Select(property => $"site property {property} ({where}): {SiteProperties[property]}");
}
