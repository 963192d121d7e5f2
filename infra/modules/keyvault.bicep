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

@description('Name of the vault.')
output name string = vault.name

@description('Resource id of the vault.')
output id string = vault.id

@description('Vault URI, ending with a slash.')
output uri string = vault.properties.vaultUri
