// Key Vault holding the JWT signing key as the versions of one secret. The secret itself is not created
// here: a template would have to carry its value. infra/scripts/create-signing-key.sh makes the first version.

@description('Name of the vault (3-24 letters, digits and dashes, starting with a letter).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags put on the vault.')
param tags { *: string }

@description('Days a deleted vault or secret stays recoverable. Fixed once the vault exists; with purge protection the vault name stays taken this long after deletion.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Resource id of the Log Analytics workspace that receives the vault\'s audit logs.')
param logAnalyticsWorkspaceId string

@description('Put a CanNotDelete lock on the vault (every environment but dev).')
param lockAgainstDeletion bool

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Azure RBAC instead of access policies: rights are role assignments (see role-assignments.bicep).
    enableRbacAuthorization: true
    // A deleted signing key can be recovered; nobody, not even an owner, can purge it before the retention ends.
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
  }
}

// Who read, created or disabled which signing key version: every data-plane call (category group audit, the
// AuditEvent category) goes to the workspace, in the resource-specific table AZKVAuditLogs (docs/deploy.md has a query).
resource auditLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

// Deleting the vault (or its resource group, as azd down does) needs the lock lifted first (docs/deploy.md, Tear-down).
resource deleteLock 'Microsoft.Authorization/locks@2020-05-01' = if (lockAgainstDeletion) {
  name: 'do-not-delete'
  scope: vault
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds the JWT signing keys. Lift this lock only to tear the environment down (docs/deploy.md).'
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('Resource id of the vault.')
output id string = vault.id

@description('Vault URI, ending with a slash.')
output uri string = vault.properties.vaultUri
