// Storage account holding the Functions host storage, the deployment package container and the
// app's own tables. Reached only with Entra ID tokens: shared keys (and so SAS and connection strings) are off.

@description('Name of the storage account (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags put on the account.')
param tags { *: string }

@description('Blob container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Tables the app reads and writes. The app does not create tables in Azure: they must exist before the first request.')
param tableNames string[]

@description('Resource id of the Log Analytics workspace that receives the table and blob logs.')
param logAnalyticsWorkspaceId string

@description('Put a CanNotDelete lock on the account (every environment but dev).')
param lockAgainstDeletion bool

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // Identity-based access only: no account keys, no SAS, no connection strings with secrets.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // No virtual network in this deployment: the endpoints are public, every call still needs a token and an RBAC role.
    publicNetworkAccess: 'Enabled'
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource table 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

// Every read, write and delete on the tables (users, sessions, audit rows) and blobs (host storage, the
// deployment package), with the caller's identity, into the workspace tables StorageTableLogs and StorageBlobLogs.
var storageLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource tableLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'tables-to-log-analytics'
  scope: account::tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
  }
}

resource blobLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'blobs-to-log-analytics'
  scope: account::blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: storageLogs
  }
}

// The tables hold every user and session, and Table Storage has neither soft delete nor backup: deleting the
// account (or its resource group, as azd down does) needs this lock lifted first (docs/deploy.md, Tear-down).
resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lockAgainstDeletion) {
  name: 'do-not-delete'
  scope: account
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds every user and session; Table Storage has no soft delete. Lift this lock only to tear the environment down (docs/deploy.md).'
  }
}

@description('Name of the storage account.')
output name string = account.name

@description('Resource id of the storage account.')
output id string = account.id

@description('Blob service endpoint, ending with a slash.')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Queue service endpoint, ending with a slash.')
output queueEndpoint string = account.properties.primaryEndpoints.queue

@description('Table service endpoint, ending with a slash.')
output tableEndpoint string = account.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = account::blobService::deploymentContainer.name
