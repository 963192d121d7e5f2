// The user-assigned identity the function app runs as. User-assigned (not system-assigned) so that
// the role assignments can be made before the app exists and the host starts with its rights in place,
// and so that its client id can be put into app settings (AZURE_CLIENT_ID, AzureWebJobsStorage__clientId).

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags put on the identity.')
param tags { *: string }

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client (application) id: what DefaultAzureCredential and the Functions host use to pick this identity.')
output clientId string = identity.properties.clientId

@description('Object id of the service principal: what role assignments name.')
output principalId string = identity.properties.principalId
