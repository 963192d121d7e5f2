// Every role assignment of the deployment, least privilege, each scoped to the one resource it is needed on.
// Names are guid(scope id, principal id, role id): stable across redeployments, unique per grant.

@description('Object id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Object id of the identity that runs the deployment. It gets no role here; it is only compared with the operator.')
param deployerPrincipalId string = ''

@description('Kind of principal deployerPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param deployerPrincipalType string = 'User'

@description('Object id of the operator: a group (recommended, with its roles made eligible through PIM), user or service principal that creates and rotates signing keys and runs the admin CLI. Empty: nobody gets data-plane rights.')
param operatorPrincipalId string = ''

@description('Kind of principal operatorPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param operatorPrincipalType string = 'Group'

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// --- The app's identity ---------------------------------------------------------------------------

// Read the signing key versions. The vault holds nothing else, so the vault is the narrowest useful scope
// (the secret does not exist yet when this runs: the post-provision script creates it).
resource appKeyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Read and write entities of the app's tables (Users, Sessions, ...). Data rights only: no keys, no management.
resource appStorageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Functions host storage (locks, keys, timer state need blob read/write and container creation) and reading
// the deployment package. The documented minimum for the host with identity-based AzureWebJobsStorage.
// No queue role: the app has HTTP and timer triggers only, and the host needs queues only for blob or queue
// triggers and Durable Functions. Add Storage Queue Data Contributor if such a trigger is added.
resource appStorageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Send telemetry with an Entra token: Application Insights has local (key) auth turned off.
resource appMonitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// --- The operator (optional) ----------------------------------------------------------------------

// Whoever holds Key Vault Secrets Officer can mint tokens, and whoever holds Table Data Contributor can add users:
// only the operator gets them, never the identity that deploys. A pipeline's service principal named as the operator
// too gets nothing, so a pipeline credential can never forge tokens. A person who deploys by hand may be the operator.
var grantOperator = !empty(operatorPrincipalId) && !(deployerPrincipalType == 'ServicePrincipal' && operatorPrincipalId == deployerPrincipalId)

// Create and disable signing key versions (the first key by the post-provision script, later rotations).
resource operatorKeyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantOperator) {
  name: guid(vault.id, operatorPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

// Run the admin CLI against the Azure tables: users, sessions, and the feed event and audit row that keys rotate and
// keys disable write.
resource operatorStorageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantOperator) {
  name: guid(storage.id, operatorPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
