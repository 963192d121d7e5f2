#!/bin/sh
# azd post-provision hook (see azure.yaml): creates the first version of the JWT signing key secret in
# Key Vault, and only when the secret has no version yet. Running it again changes nothing, so
# `azd provision` / `azd up` can be repeated; rotation is a separate, deliberate step (docs/deploy.md).
#
# The value is made by openssl on this machine: for ES256 (the default) a P-256 private key as PKCS#8 PEM,
# for HS256 base64 of 32 random bytes. It goes from openssl to a private temporary file to Key Vault: it is
# never printed, never passed on a command line and never written into the repository.
#
# Needs: az and openssl. Creating the first version needs Key Vault Secrets Officer, which only the operator
# (operatorPrincipalId) gets: the identity that deploys gets no data-plane role. When the signed-in principal has
# no secret rights, the script asks Azure Resource Manager whether the secret exists: if it does, there is nothing
# to do; if not, it fails with a message that the operator must run it.
# Reads: AZURE_KEY_VAULT_NAME, SIGNING_KEY_SECRET_NAME and SIGNING_KEY_ALGORITHM (ES256 or HS256, default ES256),
# which azd sets from the deployment outputs; AZURE_SUBSCRIPTION_ID (azd's subscription, which need not be az's
# current one).
# Optional: SIGNING_KEY_RETRY_ATTEMPTS (default 10) and SIGNING_KEY_RETRY_DELAY_SECONDS (default 30):
# a role assignment made by the deployment a moment ago can take minutes to reach Key Vault, so refusals
# are retried. Whether the signed-in principal has the rights at all is checked first, from Azure RBAC.
# The Windows variant is create-signing-key.ps1; keep the two in step.
set -eu

# The data actions the script uses: list the versions, create one.
needed_actions="Microsoft.KeyVault/vaults/secrets/readMetadata/action Microsoft.KeyVault/vaults/secrets/setSecret/action"

vault="${AZURE_KEY_VAULT_NAME:-}"
secret="${SIGNING_KEY_SECRET_NAME:-jwt-signing-key}"
attempts="${SIGNING_KEY_RETRY_ATTEMPTS:-10}"
delay="${SIGNING_KEY_RETRY_DELAY_SECONDS:-30}"
algorithm="${SIGNING_KEY_ALGORITHM:-ES256}"

# Same content types as the app's own rotation (SigningKeyMaterial in ServerlessAuth.Core).
case "$algorithm" in
  ES256) content_type="application/vnd.serverlessauth.es256-key+pem" ;;
  HS256) content_type="application/vnd.serverlessauth.hs256-key+base64" ;;
  *)
    echo "create-signing-key: SIGNING_KEY_ALGORITHM must be ES256 or HS256, not '$algorithm'." >&2
    exit 1
    ;;
esac

if [ -z "$vault" ]; then
  echo "create-signing-key: AZURE_KEY_VAULT_NAME is not set (run it through azd, or export it)." >&2
  exit 1
fi
for tool in az openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "create-signing-key: '$tool' is not installed." >&2
    exit 1
  fi
done

# azd's subscription for the management-plane calls (kept in the positional parameters, as in register-providers.sh).
set --
if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then
  set -- --subscription "$AZURE_SUBSCRIPTION_ID"
fi

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Succeeds when one permission entry grants the data action and does not exclude it. Entries are lines of
# "<dataActions>|<notDataActions>", each a space-separated list of patterns that may contain '*'.
permits() {
  action="$1"
  set -f # the patterns are matched below, never expanded to file names
  while IFS='|' read -r allowed denied; do
    granted=no
    for pattern in $allowed; do
      # shellcheck disable=SC2254 # the pattern is a glob on purpose
      case "$action" in $pattern) granted=yes ;; esac
    done
    for pattern in $denied; do
      # shellcheck disable=SC2254
      case "$action" in $pattern) granted=no ;; esac
    done
    if [ "$granted" = yes ]; then
      set +f
      return 0
    fi
  done <"$work/permissions"
  set +f
  return 1
}

# Fails at once, naming who is signed in, when Azure RBAC gives that principal no right to list and create
# secrets in the vault: retrying could not help. RBAC answers at once; Key Vault may lag behind it.
check_rights() {
  if ! az keyvault show --name "$vault" "$@" --query id --output tsv >"$work/vault-id" 2>"$work/err" ||
    ! az rest --method get --url "$(tr -d '[:space:]' <"$work/vault-id")/providers/Microsoft.Authorization/permissions?api-version=2022-04-01" \
      --query "value[].join('|', [join(' ', dataActions), join(' ', notDataActions)])" --output tsv >"$work/permissions" 2>"$work/err"; then
    echo "create-signing-key: could not read the signed-in principal's rights on vault '$vault'; going on without the check:" >&2
    cat "$work/err" >&2
    return 0
  fi
  for action in $needed_actions; do
    if ! permits "$action"; then
      who="$(az account show "$@" --query "[user.type, user.name]" --output tsv 2>/dev/null | tr '\n' ' ')"
      echo "create-signing-key: the principal signed in to az (${who:-unknown}) may not list and create secrets in vault '$vault' (missing $action)." >&2
      # Without data rights, Azure Resource Manager still tells whether the secret exists (Reader suffices).
      if az rest --method get --url "$(tr -d '[:space:]' <"$work/vault-id")/secrets/$secret?api-version=2023-07-01" \
        --output none 2>"$work/err"; then
        echo "create-signing-key: secret '$secret' in vault '$vault' exists; nothing to do (this principal has no data-plane role, as intended for the identity that deploys)."
        exit 0
      fi
      echo "create-signing-key: secret '$secret' has no version yet (or this principal may not even read the vault). The identity that deploys (AZURE_PRINCIPAL_ID ${AZURE_PRINCIPAL_ID:-not set}) gets no data-plane role." >&2
      echo "create-signing-key: the operator creates the first key: sign in to az as the operator (AZURE_OPERATOR_PRINCIPAL_ID '${AZURE_OPERATOR_PRINCIPAL_ID:-}', or a member of that group with its Key Vault Secrets Officer role active in PIM), then run 'azd hooks run postprovision' (docs/deploy.md, 'The first key')." >&2
      exit 1
    fi
  done
}

# Prints the number of versions of the secret, enabled or not (0 when the secret does not exist).
# Retries while Key Vault refuses for any other reason than "not found".
count_versions() {
  try=1
  while :; do
    if az keyvault secret list-versions --vault-name "$vault" --name "$secret" \
      --query "length(@)" --output tsv >"$work/out" 2>"$work/err"; then
      tr -d '[:space:]' <"$work/out"
      return 0
    fi
    if grep -q -e "SecretNotFound" -e "was not found" "$work/err"; then
      echo 0
      return 0
    fi
    if [ "$try" -ge "$attempts" ]; then
      cat "$work/err" >&2
      return 1
    fi
    echo "create-signing-key: Key Vault refused to list '$secret' (attempt $try of $attempts; a new role assignment may not have applied yet), retrying in ${delay}s." >&2
    sleep "$delay"
    try=$((try + 1))
  done
}

check_rights "$@"
versions="$(count_versions)"
case "$versions" in
  '' | *[!0-9]*)
    echo "create-signing-key: unexpected answer when counting the versions of '$secret': '$versions'." >&2
    exit 1
    ;;
esac
if [ "$versions" -gt 0 ]; then
  echo "create-signing-key: secret '$secret' in vault '$vault' already has $versions version(s); nothing to do."
  exit 0
fi

if [ "$algorithm" = ES256 ]; then
  # A P-256 key pair; genpkey writes the private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").
  if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/key" 2>"$work/err" ||
    [ "$(head -n 1 "$work/key")" != "-----BEGIN PRIVATE KEY-----" ]; then
    cat "$work/err" >&2
    echo "create-signing-key: openssl did not produce a PKCS#8 P-256 private key." >&2
    exit 1
  fi
else
  # 32 random bytes, base64 without the trailing newline (az stores a file's content as it is).
  openssl rand -base64 32 | tr -d '\n' >"$work/key"
  if [ "$(wc -c <"$work/key" | tr -d '[:space:]')" -ne 44 ]; then
    echo "create-signing-key: openssl did not produce 32 random bytes." >&2
    exit 1
  fi
fi

try=1
while :; do
  if az keyvault secret set --vault-name "$vault" --name "$secret" --file "$work/key" --encoding utf-8 \
    --content-type "$content_type" --output none 2>"$work/err"; then
    break
  fi
  if [ "$try" -ge "$attempts" ]; then
    cat "$work/err" >&2
    exit 1
  fi
  echo "create-signing-key: Key Vault refused to create '$secret' (attempt $try of $attempts), retrying in ${delay}s." >&2
  sleep "$delay"
  try=$((try + 1))
done

echo "create-signing-key: created the first version ($algorithm) of secret '$secret' in vault '$vault'."
