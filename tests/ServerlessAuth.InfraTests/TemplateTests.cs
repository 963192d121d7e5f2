using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ServerlessAuth.TableStorage;

namespace ServerlessAuth.InfraTests;

/// <summary>Security and shape of the resources in the compiled main.bicep.</summary>
public sealed class TemplateTests
{
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string Deployer = "00000000-0000-0000-0000-0000000000bb";
    private const string Operator = "00000000-0000-0000-0000-0000000000cc";

    [Fact]
    public void StorageAccountTakesOnlyEntraTokensOverTls12()
    {
        var (account, scope) = CompiledMain.Single("Microsoft.Storage/storageAccounts");
        var properties = account["properties"]!;

        Assert.False(Literal<bool>(scope, properties["allowSharedKeyAccess"]));
        Assert.False(Literal<bool>(scope, properties["allowBlobPublicAccess"]));
        Assert.Equal("TLS1_2", Literal<string>(scope, properties["minimumTlsVersion"]));
        Assert.True(Literal<bool>(scope, properties["supportsHttpsTrafficOnly"]));
    }

    [Fact]
    public void EveryTableTheAppUsesIsCreated()
    {
        var (table, scope) = CompiledMain.Single("Microsoft.Storage/storageAccounts/tableServices/tables");
        var name = table["name"]!.GetValue<string>();
        var loopParameter = Regex.Match(name, @"parameters\('([^']+)'\)\[copyIndex\(\)\]");
        Assert.True(loopParameter.Success, $"The tables are expected as a loop over a parameter; the name is {name}.");

        var names = scope.Resolve(JsonValue.Create($"[parameters('{loopParameter.Groups[1].Value}')]")) as JsonArray;
        Assert.NotNull(names);
        var created = names.Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();

        // Exactly the tables the storage layer opens: the app does not create tables in Azure.
        Assert.Equal(AuthTables.Names.Order(StringComparer.Ordinal), created);
        Assert.Superset(
            new HashSet<string>(["Users", "UserNames", "Sessions", "RevokedTokens", "SigningKeys", "ServiceState", "RevocationFeed"]),
            new HashSet<string>(created));
    }

    [Fact]
    public void DeploymentContainerIsPrivate()
    {
        var (container, scope) = CompiledMain.Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", Literal<string>(scope, container["properties"]?["publicAccess"]));
    }

    [Fact]
    public void KeyVaultUsesRbacSoftDeleteAndPurgeProtectionAndHoldsNoSecret()
    {
        var (vault, scope) = CompiledMain.Single("Microsoft.KeyVault/vaults");
        var properties = vault["properties"]!;

        Assert.True(Literal<bool>(scope, properties["enableRbacAuthorization"]));
        Assert.True(Literal<bool>(scope, properties["enableSoftDelete"]));
        Assert.True(Literal<bool>(scope, properties["enablePurgeProtection"]));
        Assert.Null(properties["accessPolicies"]);

        // The signing key value never passes through a template: the post-provision script creates it.
        Assert.Empty(CompiledMain.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"));
        Assert.Empty(CompiledMain.ResourcesOfType("Microsoft.KeyVault/vaults/keys"));
    }

    [Fact]
    public void ApplicationInsightsAcceptsOnlyEntraAuthenticatedTelemetry()
    {
        var (component, scope) = CompiledMain.Single("Microsoft.Insights/components");
        Assert.True(Literal<bool>(scope, component["properties"]?["DisableLocalAuth"]));
        Assert.Single(CompiledMain.ResourcesOfType("Microsoft.OperationalInsights/workspaces"));
    }

    [Fact]
    public void FunctionAppRunsOnFlexConsumptionWithTheAppsDotnetVersion()
    {
        var (plan, planScope) = CompiledMain.Single("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", Literal<string>(planScope, plan["sku"]?["name"]));
        Assert.Equal("FlexConsumption", Literal<string>(planScope, plan["sku"]?["tier"]));

        var (site, scope) = CompiledMain.Single("Microsoft.Web/sites");
        var runtime = site["properties"]?["functionAppConfig"]?["runtime"];
        Assert.Equal("dotnet-isolated", Literal<string>(scope, runtime?["name"]));

        // The version Flex runs must be the one the app is built for ('10.0' for net10.0).
        var framework = typeof(AuthOptions).Assembly.GetCustomAttributes(typeof(TargetFrameworkAttribute), false)
            .Cast<TargetFrameworkAttribute>().Single().FrameworkName;
        var appVersion = Regex.Match(framework, @"Version=v(\d+\.\d+)").Groups[1].Value;
        Assert.Equal(appVersion, Literal<string>(scope, runtime?["version"]));
    }

    [Fact]
    public void FunctionAppIsHttpsOnlyWithTls12AndAUserAssignedIdentity()
    {
        var (site, scope) = CompiledMain.Single("Microsoft.Web/sites");
        var properties = site["properties"]!;

        Assert.Equal("functionapp,linux", Literal<string>(scope, site["kind"]));
        Assert.True(Literal<bool>(scope, properties["httpsOnly"]));
        Assert.Equal("1.2", Literal<string>(scope, properties["siteConfig"]?["minTlsVersion"]));
        Assert.Equal("UserAssigned", Literal<string>(scope, site["identity"]?["type"]));

        // The package is fetched from the blob container with that identity, not with a connection string.
        var storage = properties["functionAppConfig"]?["deployment"]?["storage"];
        Assert.Equal("blobContainer", Literal<string>(scope, storage?["type"]));
        Assert.Equal("UserAssignedIdentity", Literal<string>(scope, storage?["authentication"]?["type"]));
        Assert.Null(storage?["authentication"]?["storageAccountConnectionStringName"]);
    }

    [Fact]
    public void NoPropertyOrSettingThatFlexConsumptionDeprecatesIsSet()
    {
        var found = FlexConsumptionDeprecations.Find(CompiledMain.Root.AllResources().Select(r => r.Resource));

        Assert.True(found.Count == 0, "Deprecated on Flex Consumption:" + Environment.NewLine + string.Join(Environment.NewLine, found));
    }

    [Theory]
    [InlineData("properties", "ftpsState")]
    [InlineData("siteConfig", "ftpsState")]
    [InlineData("siteConfig", "AlwaysOn")]
    [InlineData("siteConfig", "linuxFxVersion")]
    [InlineData("appsettings", "WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("appsettings", "functions_worker_runtime")]
    [InlineData("siteConfig.appSettings", "WEBSITE_CONTENTSHARE")]
    public void TheDeprecationCheckCatchesEachPlaceAPropertyCanBeWritten(string place, string name)
    {
        // The compiled template with one deprecated name added: the check above must report it.
        var resources = CompiledMain.Root.AllResources().Select(r => (JsonObject)r.Resource.DeepClone()).ToList();
        var site = resources.Single(r => TemplateScope.Type(r) == "Microsoft.Web/sites");
        var settings = resources.Single(r => TemplateScope.Type(r) == "Microsoft.Web/sites/config"
            && r["name"]!.GetValue<string>().Contains("appsettings", StringComparison.Ordinal));
        var siteProperties = site["properties"]!.AsObject();
        var siteConfig = siteProperties["siteConfig"]!.AsObject();
        switch (place)
        {
            case "properties":
                siteProperties[name] = "Disabled";
                break;
            case "siteConfig":
                siteConfig[name] = "x";
                break;
            case "appsettings":
                settings["properties"]![name] = "x";
                break;
            default:
                siteConfig["appSettings"] = new JsonArray(new JsonObject { ["name"] = name, ["value"] = "x" });
                break;
        }

        var found = Assert.Single(FlexConsumptionDeprecations.Find(resources));
        Assert.Contains(name, found, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EveryFlexConsumptionInstanceSizeCanBeChosen()
    {
        var (site, scope) = CompiledMain.Single("Microsoft.Web/sites");
        var memory = site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["instanceMemoryMB"]!.GetValue<string>();
        var parameter = Regex.Match(memory, @"^\[parameters\('([^']+)'\)\]$").Groups[1].Value;
        var allowed = scope.Template["parameters"]![parameter]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<int>());

        Assert.Equal([512, 2048, 4096], allowed.Order());
        Assert.Equal(2048, Literal<int>(scope, site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["instanceMemoryMB"]));
    }

    [Fact]
    public void RoleAssignmentsAreExactlyTheLeastPrivilegeSet()
    {
        var assignments = CompiledMain.ResourcesOfType("Microsoft.Authorization/roleAssignments")
            .Select(r => new
            {
                Role = RoleId(r.Resource, r.Scope),
                Principal = r.Resource["properties"]!["principalId"]!.ToJsonString(),
                Conditional = r.Resource["condition"] is not null,
                Name = r.Resource["name"]!.GetValue<string>(),
            })
            .ToList();

        // Names are guid(scope id, principal id, role id): stable and unique per grant.
        Assert.All(assignments, a => Assert.StartsWith("[guid(", a.Name, StringComparison.Ordinal));

        var byPrincipal = assignments.GroupBy(a => a.Principal).ToList();
        Assert.Equal(2, byPrincipal.Count);

        var app = Assert.Single(byPrincipal, g => g.All(a => !a.Conditional));
        Assert.Equal(
            new[] { KeyVaultSecretsUser, MonitoringMetricsPublisher, StorageBlobDataOwner, StorageTableDataContributor }.Order(),
            app.Select(a => a.Role).Order());

        // The operator's rights exist only when an operator is given.
        var deployer = Assert.Single(byPrincipal, g => g.All(a => a.Conditional));
        Assert.Equal(
            new[] { KeyVaultSecretsOfficer, StorageTableDataContributor }.Order(),
            deployer.Select(a => a.Role).Order());
    }

    [Theory]
    [InlineData("", "", "User", false)] // nobody named: no data-plane role for anyone
    [InlineData("", Deployer, "ServicePrincipal", false)] // a pipeline deploys: its identity gets nothing
    [InlineData(Operator, Deployer, "ServicePrincipal", true)] // ... and a separate operator group gets the roles
    [InlineData(Deployer, Deployer, "ServicePrincipal", false)] // the pipeline named as operator still gets nothing
    [InlineData(Deployer, Deployer, "User", true)] // a person deploying by hand may be the operator
    public void OnlyTheOperatorGetsDataPlaneRolesAndNeverAPipelinesIdentity(string operatorId, string deployerId, string deployerType, bool granted)
    {
        var parameters = new Dictionary<string, object>
        {
            ["operatorPrincipalId"] = operatorId,
            ["principalId"] = deployerId,
            ["principalType"] = deployerType,
        };

        foreach (var (assignment, scope) in CompiledMain.ResourcesOfType("Microsoft.Authorization/roleAssignments"))
        {
            var role = RoleId(assignment, scope);
            var principal = assignment["properties"]!["principalId"]!.GetValue<string>();
            var active = assignment["condition"] is null || (bool)scope.Evaluate(assignment["condition"], parameters);
            if (role is KeyVaultSecretsOfficer || (role is StorageTableDataContributor && !principal.Contains("appPrincipalId", StringComparison.Ordinal)))
            {
                Assert.Equal(granted, active);
                Assert.Equal("[parameters('operatorPrincipalId')]", principal);
                Assert.Equal(operatorId, scope.Evaluate(JsonValue.Create(principal), parameters));
            }

            // The identity that deploys is never the principal of any assignment.
            Assert.DoesNotContain("deployerPrincipalId", principal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheVaultAndTheTablesAndBlobsSendTheirAuditLogsToTheWorkspace()
    {
        var settings = CompiledMain.ResourcesOfType("Microsoft.Insights/diagnosticSettings");
        var byScope = settings.ToDictionary(s => Regex.Match(s.Resource["scope"]!.GetValue<string>(), @"resourceId\('([^']+)'").Groups[1].Value, s => s);
        Assert.Equal(["Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts/blobServices", "Microsoft.Storage/storageAccounts/tableServices"], byScope.Keys.Order());

        foreach (var (setting, scope) in settings)
        {
            // The workspace of the monitoring module, not some other destination.
            var workspace = setting["properties"]!["workspaceId"]!.GetValue<string>();
            Assert.Equal("[parameters('logAnalyticsWorkspaceId')]", workspace);
            Assert.Contains("'monitoring'", scope.Deployment!["properties"]!["parameters"]!["logAnalyticsWorkspaceId"]!["value"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains(".outputs.workspaceId.value", scope.Deployment!["properties"]!["parameters"]!["logAnalyticsWorkspaceId"]!["value"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var (vault, vaultScope) = byScope["Microsoft.KeyVault/vaults"];
        var vaultLogs = vaultScope.Resolve(vault["properties"]!["logs"]) as JsonArray;
        Assert.Contains(vaultLogs!, l => l!["categoryGroup"]?.GetValue<string>() == "audit" && l["enabled"]!.GetValue<bool>());

        foreach (var service in new[] { "Microsoft.Storage/storageAccounts/tableServices", "Microsoft.Storage/storageAccounts/blobServices" })
        {
            var (storage, storageScope) = byScope[service];
            var logs = (storageScope.Resolve(storage["properties"]!["logs"]) as JsonArray)!
                .Where(l => l!["enabled"]!.GetValue<bool>()).Select(l => l!["category"]!.GetValue<string>());
            Assert.Equal(["StorageDelete", "StorageRead", "StorageWrite"], logs.Order());
        }
    }

    [Theory]
    [InlineData(null, true)] // the default is not dev: locked
    [InlineData("prod", true)]
    [InlineData("dev", false)]
    public void TheStorageAccountAndTheVaultAreLockedAgainstDeletionUnlessTheEnvironmentIsDev(string? environmentType, bool locked)
    {
        var parameters = new Dictionary<string, object>();
        if (environmentType is not null)
        {
            parameters["environmentType"] = environmentType;
        }

        var locks = CompiledMain.ResourcesOfType("Microsoft.Authorization/locks");
        var lockedTypes = locks.Select(l => Regex.Match(l.Resource["scope"]!.GetValue<string>(), @"resourceId\('([^']+)'").Groups[1].Value);
        Assert.Equal(["Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts"], lockedTypes.Order());
        foreach (var (resource, scope) in locks)
        {
            Assert.Equal("CanNotDelete", resource["properties"]!["level"]!.GetValue<string>());
            Assert.Equal(locked, (bool)scope.Evaluate(resource["condition"], parameters));
        }
    }

    [Fact]
    public void OutputsNeededByAzdAndTheDocsExist()
    {
        var outputs = CompiledMain.Root.Template["outputs"]!.AsObject();
        string[] expected =
        [
            "AZURE_FUNCTION_APP_NAME", "SERVICE_API_NAME", "SERVICE_API_URI", "AZURE_KEY_VAULT_URI", "AZURE_KEY_VAULT_NAME",
            "SIGNING_KEY_SECRET_NAME", "AZURE_STORAGE_TABLE_ENDPOINT", "APP_IDENTITY_CLIENT_ID",
        ];
        Assert.All(expected, name => Assert.True(outputs.ContainsKey(name), $"Output {name} is missing."));

        // azd puts outputs into the environment developers export: no name an Azure SDK credential reads.
        string[] credentialVariables = ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TOKEN_CREDENTIALS"];
        Assert.All(credentialVariables, name => Assert.False(outputs.ContainsKey(name), $"Output {name} would steer a local DefaultAzureCredential."));
    }

    [Fact]
    public void ParametersFileMapsTheAzdEnvironment()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(Bicep.InfraDirectory, "main.parameters.json")))!["parameters"]!;
        Assert.Equal("${AZURE_ENV_NAME}", parameters["environmentName"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_LOCATION}", parameters["location"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_PRINCIPAL_ID}", parameters["principalId"]?["value"]?.GetValue<string>());

        // A service principal running azd sets AZURE_PRINCIPAL_TYPE; a person gets the default. The default must be
        // one main.bicep allows, or every provision without the variable fails.
        var principalType = parameters["principalType"]?["value"]?.GetValue<string>();
        Assert.Equal("${AZURE_PRINCIPAL_TYPE=User}", principalType);
        var allowed = CompiledMain.Root.Template["parameters"]!["principalType"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Contains("User", allowed);
        Assert.Contains("ServicePrincipal", allowed);

        // The operator and the kind of environment come from the azd environment too; unset, nobody gets data-plane
        // roles and the data is locked.
        Assert.Equal("${AZURE_OPERATOR_PRINCIPAL_ID}", parameters["operatorPrincipalId"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_OPERATOR_PRINCIPAL_TYPE=Group}", parameters["operatorPrincipalType"]?["value"]?.GetValue<string>());
        Assert.Equal("${AZURE_ENVIRONMENT_TYPE=prod}", parameters["environmentType"]?["value"]?.GetValue<string>());

        // Every parameter in the file exists in main.bicep.
        var declared = CompiledMain.Root.Template["parameters"]!.AsObject();
        Assert.All(parameters.AsObject(), p => Assert.True(declared.ContainsKey(p.Key), $"main.bicep has no parameter {p.Key}."));
    }

    private static T Literal<T>(TemplateScope scope, JsonNode? value)
    {
        var resolved = scope.Resolve(value);
        Assert.True(resolved is JsonValue, $"Expected a literal value, found {value?.ToJsonString() ?? "nothing"}.");
        return resolved.GetValue<T>();
    }

    private static string RoleId(JsonObject assignment, TemplateScope scope)
    {
        var expression = assignment["properties"]!["roleDefinitionId"]!.GetValue<string>();
        var text = Regex.Match(expression, "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}") is { Success: true } literal
            ? literal.Value
            : scope.ResolveVariableMember(expression);
        Assert.True(text is not null, $"Cannot tell the role of {expression}.");
        return text.ToLowerInvariant();
    }
}
