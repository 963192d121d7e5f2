#!/bin/sh
# azd post-provision hook (see azure.yaml): creates the first version of the JWT signing key secret in
# Key Vault, and only when the secret has no version yet. Running it again changes nothing, so
# `azd provision` / `azd up` can be repeated; rotation is a separate, deliberate step (docs/deploy.md).
#
# The value is base64 of 32 random bytes made by openssl on this machine. It goes from openssl to a
# private temporary file to Key Vault: it is never printed, never passed on a command line and never
# written into the repository.
#
# Needs: az, logged in as the principal that got Key Vault Secrets Officer (principalId); openssl.
# Reads: AZURE_KEY_VAULT_NAME and SIGNING_KEY_SECRET_NAME, which azd sets from the deployment outputs.
# Optional: SIGNING_KEY_RETRY_ATTEMPTS (default 10) and SIGNING_KEY_RETRY_DELAY_SECONDS (default 30):
# a role assignment made by the deployment a moment ago can take minutes to apply, so refusals are retried.
set -eu

vault="${AZURE_KEY_VAULT_NAME:-}"
secret="${SIGNING_KEY_SECRET_NAME:-jwt-signing-key}"
attempts="${SIGNING_KEY_RETRY_ATTEMPTS:-10}"
delay="${SIGNING_KEY_RETRY_DELAY_SECONDS:-30}"

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

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

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

# 32 random bytes, base64 without the trailing newline (az stores a file's content as it is).
openssl rand -base64 32 | tr -d '\n' >"$work/key"
if [ "$(wc -c <"$work/key" | tr -d '[:space:]')" -ne 44 ]; then
  echo "create-signing-key: openssl did not produce 32 random bytes." >&2
  exit 1
fi

try=1
while :; do
  if az keyvault secret set --vault-name "$vault" --name "$secret" --file "$work/key" --encoding utf-8 \
    --output none 2>"$work/err"; then
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

echo "create-signing-key: created the first version of secret '$secret' in vault '$vault'."
