// ServerlessAuth deployment (azd): a resource group with the function app on the Flex Consumption plan,
// its storage account and tables, the Key Vault for the signing key, monitoring, and the role assignments.
// No secret is created or passed here: the first signing key comes from infra/scripts/create-signing-key.sh.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Names the resource group and seeds the names of all resources.')
param environmentName string

@minLength(1)
// The Flex Consumption regions change as the plan rolls out, so they are not an @allowed list here:
// `az functionapp list-flexconsumption-locations --output table` lists them (docs/deploy.md).
@description('Azure region of all resources. It must offer the Flex Consumption plan: az functionapp list-flexconsumption-locations.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the identity that runs the deployment (azd sets it to the signed-in user or service principal). It gets no data-plane role: see operatorPrincipalId.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Object id of the operator, who gets Key Vault Secrets Officer (create and rotate signing keys) and Storage Table Data Contributor (the admin CLI). Recommended: a group whose members hold the roles through PIM. Empty: nobody gets these roles. A service principal that deploys (principalType ServicePrincipal) gets nothing even when named here.')
param operatorPrincipalId string = ''

@description('Kind of principal operatorPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param operatorPrincipalType string = 'Group'

@description('dev: no delete locks, so azd down works in one step. Any other environment gets a CanNotDelete lock on the storage account (users, sessions, audit) and on the vault.')
@allowed([
  'dev'
  'prod'
])
param environmentType string = 'prod'

@description('Auth:Issuer, the iss claim: the base URL of the auth endpoints, no trailing slash. Empty: https://<default host name of the function app>/api/auth.')
param authIssuer string = ''

@description('Auth:Audience, the aud claim.')
@minLength(1)
param authAudience string = 'serverlessauth-api'

@description('Auth:AccessTokenLifetime, a TimeSpan (the app accepts 00:00:30 to 01:00:00).')
param accessTokenLifetime string = '00:10:00'

@description('Auth:SessionIdleTimeout, a TimeSpan.')
param sessionIdleTimeout string = '01:00:00'

@description('Auth:SessionAbsoluteLifetime, a TimeSpan.')
param sessionAbsoluteLifetime string = '12:00:00'

@description('SigningKeys:SecretName, the Key Vault secret whose versions are the signing keys.')
@minLength(1)
@maxLength(127)
param signingKeySecretName string = 'jwt-signing-key'

@description('SigningKeys:Algorithm, what new signing key versions are: ES256 (key pair; other APIs get only the public keys) or HS256 (shared secret).')
@allowed([
  'ES256'
  'HS256'
])
param signingKeyAlgorithm string = 'ES256'

@description('Name of the Key Vault. Empty: derived from the environment. Set it to redeploy an environment whose old vault is still soft-deleted (purge protection keeps the name taken).')
@maxLength(24)
param keyVaultName string = ''

// Abbreviations of the resource types, as in the Azure naming recommendations.
var abbrs = {
  resourceGroup: 'rg-'
  managedIdentity: 'id-'
  storageAccount: 'st'
  keyVault: 'kv-'
  logAnalytics: 'log-'
  applicationInsights: 'appi-'
  appServicePlan: 'plan-'
  functionApp: 'func-'
}

// Same environment, subscription and region: same names, so a redeployment updates in place.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'api'
var lockAgainstDeletion = environmentType != 'dev'

// Every table the app uses (AuthTables.Names; the table prefix setting is empty in Azure). The app creates
// no tables in Azure, so they must exist before the first request.
var tableNames = [
  'Users'
  'UserNames'
  'Sessions'
  'RevokedTokens'
  'SigningKeys'
  'ServiceState'
  'LoginFailures'
  'RevocationFeed'
  'Audit'
  'ApiClients'
]

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}${serviceName}-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    tableNames: tableNames
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    lockAgainstDeletion: lockAgainstDeletion
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: empty(keyVaultName) ? '${abbrs.keyVault}${resourceToken}' : keyVaultName
    location: location
    tags: tags
    logAnalyticsWorkspaceId: monitoring.outputs.workspaceId
    lockAgainstDeletion: lockAgainstDeletion
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalytics}${resourceToken}'
    applicationInsightsName: '${abbrs.applicationInsights}${resourceToken}'
    location: location
    tags: tags
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  name: 'role-assignments'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    operatorPrincipalId: operatorPrincipalId
    operatorPrincipalType: operatorPrincipalType
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    planName: '${abbrs.appServicePlan}${resourceToken}'
    appName: '${abbrs.functionApp}${serviceName}-${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    signingKeySecretName: signingKeySecretName
    signingKeyAlgorithm: signingKeyAlgorithm
    authIssuer: authIssuer
    authAudience: authAudience
    accessTokenLifetime: accessTokenLifetime
    sessionIdleTimeout: sessionIdleTimeout
    sessionAbsoluteLifetime: sessionAbsoluteLifetime
  }
  // The host starts as soon as the app exists: give it its storage and vault rights first.
  dependsOn: [
    roleAssignments
  ]
}

// Outputs: azd stores them in the environment (.azure/<env>/.env) and passes them to hooks.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output SIGNING_KEY_SECRET_NAME string = signingKeySecretName
output SIGNING_KEY_ALGORITHM string = signingKeyAlgorithm
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.workspaceId
// Not AZURE_CLIENT_ID: exported into a developer's shell (azd env get-values), that name would make a local
// DefaultAzureCredential ask for a managed identity that exists only in Azure.
output APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
