#!/bin/sh
# azd pre-provision hook (see azure.yaml): registers the resource providers the Flex Consumption plan needs.
# A template deployment registers only the namespaces of the resources it names, and Flex Consumption also
# needs Microsoft.App; on a subscription where either is missing the deployment fails half-way.
# Registering an already registered provider changes nothing, so the hook can run on every provision.
#
# Needs: az, logged in with a role that may register providers (Contributor or Owner on the subscription).
# Reads: AZURE_SUBSCRIPTION_ID (set by azd; otherwise az's current subscription is used).
set -eu

namespaces="Microsoft.Web Microsoft.App"

if ! command -v az >/dev/null 2>&1; then
  echo "register-providers: 'az' is not installed." >&2
  exit 1
fi

# azd's subscription, which need not be az's current one.
set --
if [ -n "${AZURE_SUBSCRIPTION_ID:-}" ]; then
  set -- --subscription "$AZURE_SUBSCRIPTION_ID"
fi

for namespace in $namespaces; do
  state="$(az provider show --namespace "$namespace" "$@" --query registrationState --output tsv)"
  if [ "$state" = "Registered" ]; then
    echo "register-providers: $namespace is registered."
    continue
  fi
  echo "register-providers: registering $namespace (state: ${state:-unknown}); this can take a few minutes."
  az provider register --namespace "$namespace" "$@" --wait --output none
  echo "register-providers: $namespace is registered."
done
