#Requires -Version 7.4
# azd post-provision hook on Windows (see azure.yaml): the same as create-signing-key.sh; keep the two in step.
# PowerShell 7.4 or later: Directory.CreateTempSubdirectory and ExportPkcs8PrivateKeyPem are .NET 7 APIs, which
# Windows PowerShell 5.1 (azd's fallback when pwsh is missing) does not have.
# Creates the first version of the JWT signing key secret in Key Vault, and only when the secret has no version
# yet, so `azd provision` / `azd up` can be repeated; rotation is a separate, deliberate step (docs/deploy.md).
#
# The value is made by .NET cryptography: for ES256 (the default) a P-256 private key as PKCS#8 PEM, for HS256
# base64 of 32 random bytes. It goes to a file in a private temporary directory and from there to Key Vault: it is
# never printed, never passed on a command line and never written into the repository.
#
# Needs: az. Creating the first version needs Key Vault Secrets Officer, which only the operator
# (operatorPrincipalId) gets: the identity that deploys gets no data-plane role. When the signed-in principal has
# no secret rights, the script asks Azure Resource Manager whether the secret exists: if it does, there is nothing
# to do; if not, it fails with a message that the operator must run it.
# Reads: AZURE_KEY_VAULT_NAME, SIGNING_KEY_SECRET_NAME and SIGNING_KEY_ALGORITHM (ES256 or HS256, default ES256),
# which azd sets from the deployment outputs; AZURE_SUBSCRIPTION_ID (azd's subscription, which need not be az's
# current one).
#
# On Windows az is az.cmd, which runs its arguments inside an IF block; PowerShell passes an argument without
# spaces to a .cmd unquoted, so a ')' in it closes that block (MicrosoftDocs/azure-docs#84587,
# Azure/azure-cli#14972). No argument below may contain ( ) & | < > ^ without a space: JMESPath queries such as
# length(@) are avoided, and the answer is read as JSON instead.
# Optional: SIGNING_KEY_RETRY_ATTEMPTS (default 10) and SIGNING_KEY_RETRY_DELAY_SECONDS (default 30): a role
# assignment made a moment ago can take minutes to reach Key Vault, so refusals are retried. Whether the signed-in
# principal has the rights at all is checked first, from Azure RBAC.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# The data actions the script uses: list the versions, create one.
$neededActions = @(
    'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    'Microsoft.KeyVault/vaults/secrets/setSecret/action'
)

function Fail([string] $message) {
    [Console]::Error.WriteLine("create-signing-key: $message")
    exit 1
}

$vault = $env:AZURE_KEY_VAULT_NAME
$secret = if ($env:SIGNING_KEY_SECRET_NAME) { $env:SIGNING_KEY_SECRET_NAME } else { 'jwt-signing-key' }
$attempts = if ($env:SIGNING_KEY_RETRY_ATTEMPTS) { [int] $env:SIGNING_KEY_RETRY_ATTEMPTS } else { 10 }
$delay = if ($env:SIGNING_KEY_RETRY_DELAY_SECONDS) { [int] $env:SIGNING_KEY_RETRY_DELAY_SECONDS } else { 30 }
$algorithm = if ($env:SIGNING_KEY_ALGORITHM) { $env:SIGNING_KEY_ALGORITHM } else { 'ES256' }

# Same content types as the app's own rotation (SigningKeyMaterial in ServerlessAuth.Core).
$contentType = switch -CaseSensitive ($algorithm) {
    'ES256' { 'application/vnd.serverlessauth.es256-key+pem' }
    'HS256' { 'application/vnd.serverlessauth.hs256-key+base64' }
    default { Fail "SIGNING_KEY_ALGORITHM must be ES256 or HS256, not '$algorithm'." }
}

if (-not $vault) {
    Fail 'AZURE_KEY_VAULT_NAME is not set (run it through azd, or set it).'
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail "'az' is not installed."
}

# Runs az; returns its exit code, standard output and standard error (never echoed here).
function Invoke-Az([string[]] $arguments) {
    $errFile = [System.IO.Path]::Combine($work, 'err')
    $out = & az @arguments 2>$errFile
    $code = $LASTEXITCODE
    $err = if (Test-Path $errFile) { Get-Content -Raw $errFile } else { '' }
    return [pscustomobject]@{ Code = $code; Out = ($out -join "`n"); Err = "$err" }
}

# One permission entry grants the action when a pattern of its dataActions matches and none of its notDataActions does.
function Test-Permits([string] $action, [string[]] $entries) {
    foreach ($entry in $entries) {
        $allowed, $denied = "$entry" -split '\|', 2
        $granted = @("$allowed" -split ' ' | Where-Object { $_ -and $action -like $_ }).Count -gt 0
        $excluded = @("$denied" -split ' ' | Where-Object { $_ -and $action -like $_ }).Count -gt 0
        if ($granted -and -not $excluded) {
            return $true
        }
    }
    return $false
}

# azd's subscription for the management-plane calls, which need not be az's current one.
$subscription = @()
if ($env:AZURE_SUBSCRIPTION_ID) {
    $subscription = @('--subscription', $env:AZURE_SUBSCRIPTION_ID)
}

# A private directory (owner only on Unix) for the key file and az's error output.
$work = [System.IO.Directory]::CreateTempSubdirectory('create-signing-key-').FullName
try {
    # Fail at once when Azure RBAC gives the signed-in principal no right to list and create secrets in the
    # vault: retrying could not help. RBAC answers at once; Key Vault may lag behind it.
    $vaultId = Invoke-Az (@('keyvault', 'show', '--name', $vault) + $subscription + @('--query', 'id', '--output', 'tsv'))
    $permissions = if ($vaultId.Code -eq 0) {
        Invoke-Az @('rest', '--method', 'get',
            '--url', "$($vaultId.Out.Trim())/providers/Microsoft.Authorization/permissions?api-version=2022-04-01",
            '--query', "value[].join('|', [join(' ', dataActions), join(' ', notDataActions)])", '--output', 'tsv')
    } else { $vaultId }
    if ($permissions.Code -ne 0) {
        [Console]::Error.WriteLine("create-signing-key: could not read the signed-in principal's rights on vault '$vault'; going on without the check:")
        [Console]::Error.WriteLine($permissions.Err)
    } else {
        $entries = @($permissions.Out -split "`n" | Where-Object { $_.Trim() })
        foreach ($action in $neededActions) {
            if (-not (Test-Permits $action $entries)) {
                $who = (Invoke-Az (@('account', 'show') + $subscription + @('--query', '[user.type, user.name]', '--output', 'tsv'))).Out -replace "`n", ' '
                [Console]::Error.WriteLine("create-signing-key: the principal signed in to az ($who) may not list and create secrets in vault '$vault' (missing $action).")
                # Without data rights, Azure Resource Manager still tells whether the secret exists (Reader suffices).
                $existing = Invoke-Az @('rest', '--method', 'get', '--url', "$($vaultId.Out.Trim())/secrets/${secret}?api-version=2023-07-01", '--output', 'none')
                if ($existing.Code -eq 0) {
                    Write-Output "create-signing-key: secret '$secret' in vault '$vault' exists; nothing to do (this principal has no data-plane role, as intended for the identity that deploys)."
                    exit 0
                }
                [Console]::Error.WriteLine("create-signing-key: secret '$secret' has no version yet (or this principal may not even read the vault). The identity that deploys (AZURE_PRINCIPAL_ID $($env:AZURE_PRINCIPAL_ID)) gets no data-plane role.")
                Fail "the operator creates the first key: sign in to az as the operator (AZURE_OPERATOR_PRINCIPAL_ID '$($env:AZURE_OPERATOR_PRINCIPAL_ID)', or a member of that group with its Key Vault Secrets Officer role active in PIM), then run 'azd hooks run postprovision' (docs/deploy.md, 'The first key')."
            }
        }
    }

    # The number of versions of the secret, enabled or not (0 when it does not exist). Other refusals are retried.
    $versions = $null
    for ($try = 1; $null -eq $versions; $try++) {
        $listed = Invoke-Az @('keyvault', 'secret', 'list-versions', '--vault-name', $vault, '--name', $secret, '--output', 'json')
        if ($listed.Code -eq 0) {
            # -NoEnumerate keeps an empty or one-element list a list.
            $parsed = try { ConvertFrom-Json -InputObject $listed.Out -NoEnumerate } catch { $null }
            if ($parsed -isnot [array]) {
                Fail "unexpected answer when listing the versions of '${secret}': not a JSON list."
            }
            $versions = $parsed.Count
        } elseif ($listed.Err -match 'SecretNotFound|was not found') {
            $versions = 0
        } elseif ($try -ge $attempts) {
            [Console]::Error.WriteLine($listed.Err)
            exit 1
        } else {
            [Console]::Error.WriteLine("create-signing-key: Key Vault refused to list '$secret' (attempt $try of $attempts; a new role assignment may not have applied yet), retrying in ${delay}s.")
            Start-Sleep -Seconds $delay
        }
    }
    if ($versions -gt 0) {
        Write-Output "create-signing-key: secret '$secret' in vault '$vault' already has $versions version(s); nothing to do."
        exit 0
    }

    $keyFile = [System.IO.Path]::Combine($work, 'key')
    if ($algorithm -ceq 'ES256') {
        # A P-256 key pair; the private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").
        $ec = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        try {
            [System.IO.File]::WriteAllText($keyFile, $ec.ExportPkcs8PrivateKeyPem())
        } finally {
            $ec.Dispose()
        }
    } else {
        # 32 random bytes, base64 without a trailing newline (az stores a file's content as it is).
        [System.IO.File]::WriteAllText($keyFile, [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
    }

    for ($try = 1; ; $try++) {
        $set = Invoke-Az @('keyvault', 'secret', 'set', '--vault-name', $vault, '--name', $secret, '--file', $keyFile,
            '--encoding', 'utf-8', '--content-type', $contentType, '--output', 'none')
        if ($set.Code -eq 0) {
            break
        }
        if ($try -ge $attempts) {
            [Console]::Error.WriteLine($set.Err)
            exit 1
        }
        [Console]::Error.WriteLine("create-signing-key: Key Vault refused to create '$secret' (attempt $try of $attempts), retrying in ${delay}s.")
        Start-Sleep -Seconds $delay
    }

    Write-Output "create-signing-key: created the first version ($algorithm) of secret '$secret' in vault '$vault'."
} finally {
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction SilentlyContinue
}
