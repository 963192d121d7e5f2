#Requires -Version 7.4
# azd pre-provision hook on Windows (see azure.yaml): the same as register-providers.sh.
# Registers Microsoft.Web and Microsoft.App, which the Flex Consumption plan needs; a template deployment
# registers only the namespaces it names. Registering a registered provider changes nothing.
#
# Needs: az, logged in with a role that may register providers (Contributor or Owner on the subscription).
# Reads: AZURE_SUBSCRIPTION_ID (set by azd; otherwise az's current subscription is used).
# PowerShell 7.4 or later, as create-signing-key.ps1: failing here, before anything is provisioned, beats failing
# in the post-provision hook when azd falls back to Windows PowerShell 5.1.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$namespaces = @('Microsoft.Web', 'Microsoft.App')

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    [Console]::Error.WriteLine("register-providers: 'az' is not installed.")
    exit 1
}

# azd's subscription, which need not be az's current one.
$subscription = @()
if ($env:AZURE_SUBSCRIPTION_ID) {
    $subscription = @('--subscription', $env:AZURE_SUBSCRIPTION_ID)
}

foreach ($namespace in $namespaces) {
    $state = az provider show --namespace $namespace @subscription --query registrationState --output tsv
    if ($LASTEXITCODE -ne 0) {
        exit $LASTEXITCODE
    }
    if ("$state".Trim() -eq 'Registered') {
        Write-Output "register-providers: $namespace is registered."
        continue
    }
    Write-Output "register-providers: registering $namespace (state: $("$state".Trim())); this can take a few minutes."
    az provider register --namespace $namespace @subscription --wait --output none
    if ($LASTEXITCODE -ne 0) {
        exit $LASTEXITCODE
    }
    Write-Output "register-providers: $namespace is registered."
}
