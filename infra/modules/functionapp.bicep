// Flex Consumption plan and the function app. The app runs as the user-assigned identity and reaches
// every dependency with it: host storage, the deployment container, tables, Key Vault and Application Insights.
// The app settings below carry no secret, only endpoints and names.

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the function app.')
param appName string

@description('Azure region. Must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
param location string

@description('Tags put on the plan and the app.')
param tags { *: string }

@description('azd service name this app hosts (the azd-service-name tag).')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the storage account used for host storage, deployment and tables.')
param storageAccountName string

@description('Blob container the app package is deployed to.')
param deploymentContainerName string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Key Vault URI (SigningKeys:VaultUri).')
param keyVaultUri string

@description('Name of the secret whose versions are the signing keys (SigningKeys:SecretName).')
param signingKeySecretName string

@description('What new signing key versions are (SigningKeys:Algorithm): ES256 or HS256.')
param signingKeyAlgorithm string

@description('Auth:Issuer, the base URL of the auth endpoints. Empty: https://<default host name of this app>/api/auth.')
param authIssuer string

@description('Auth:Audience.')
param authAudience string

@description('Auth:AccessTokenLifetime, a TimeSpan (hh:mm:ss).')
param accessTokenLifetime string

@description('Auth:SessionIdleTimeout, a TimeSpan (hh:mm:ss or d.hh:mm:ss).')
param sessionIdleTimeout string

@description('Auth:SessionAbsoluteLifetime, a TimeSpan (hh:mm:ss or d.hh:mm:ss).')
param sessionAbsoluteLifetime string

// Flex Consumption runtime. The app targets net10.0. .NET 10 on Flex Consumption is GA: the Azure Functions
// .NET 10 tracking thread (azure-functions-dotnet-worker #3152) reports the Linux rollout complete with
// "You can now host .NET 10 apps on the Flex Consumption, Dedicated, and Elastic Premium plan types", and
// Core Tools says "Flex consumption supports .NET 10.0, 9.0, 8.0". The version is written 'major.minor'
// ('10.0'), as Flex apps report it in functionAppConfig.runtime. ServerlessAuth.InfraTests checks that it
// matches the target framework of the app's assemblies.
@description('Flex Consumption runtime version of dotnet-isolated, matching the app\'s target framework.')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param dotnetVersion string = '10.0'

@description('Upper bound of instances the plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of one instance, in MB. The sizes Flex Consumption offers; 512 suits a small, mostly idle app.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Flex Consumption runs on Linux only.
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // No ftpsState: Flex Consumption has no FTP(S) and rejects the property. FTP and basic-auth publishing are
    // off through the basicPublishingCredentialsPolicies below.
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          // The package is read from this container with the identity, not with a connection string.
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// Deployments (azd, Core Tools) authenticate with Entra ID; basic publishing credentials are not needed.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// App settings are a child resource rather than siteConfig.appSettings so that Auth__Issuer can default to
// the app's own host name. Each provision replaces the whole set: a setting added by hand is removed. Every name must be one the app binds (Section__Property) or one the platform
// reads; ServerlessAuth.InfraTests compares this list with the option classes.
// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION: functionAppConfig.runtime replaces them.
resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Functions host storage through the identity (Storage Blob Data Owner covers the host's own needs). No
    // queue endpoint: the identity has no queue role, and only queue and blob triggers would use one.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table

    // Telemetry with an Entra token (local auth is off on the component).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

    // DefaultAzureCredential in the app picks the user-assigned identity by this client id, and tries only the
    // managed identity (no developer credentials, no probe request) because of AZURE_TOKEN_CREDENTIALS.
    AZURE_CLIENT_ID: identityClientId
    AZURE_TOKEN_CREDENTIALS: 'ManagedIdentityCredential'

    // StorageOptions (section AuthStorage).
    AuthStorage__TableServiceUri: storage.properties.primaryEndpoints.table

    // SigningKeyOptions (section SigningKeys).
    SigningKeys__VaultUri: keyVaultUri
    SigningKeys__SecretName: signingKeySecretName
    SigningKeys__Algorithm: signingKeyAlgorithm

    // AuthOptions (section Auth).
    // The base URL of the auth endpoints (host.json's routePrefix "api", then "auth"): the discovery document's URLs start with it.
    Auth__Issuer: empty(authIssuer) ? 'https://${functionApp.properties.defaultHostName}/api/auth' : authIssuer
    Auth__Audience: authAudience
    Auth__AccessTokenLifetime: accessTokenLifetime
    Auth__SessionIdleTimeout: sessionIdleTimeout
    Auth__SessionAbsoluteLifetime: sessionAbsoluteLifetime
    // No Auth__ClientAddressHeader: the host sets X-Forwarded-For to the address it saw and the worker moves that
    // into the connection's address and removes the header, so the app reads the connection (docs/architecture.md).
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Base URI of the app.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
