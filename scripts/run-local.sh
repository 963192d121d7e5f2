#!/usr/bin/env bash
# Runs the standalone host on https://localhost:7071 against a local Azurite, with a demo user.
# Installs Azurite (npm ci), creates local.settings.json from the sample, the ASP.NET Core
# development certificate, the tables and a first signing key. Azurite's data stays in .azurite/.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_USER="${DEMO_USER:-demo}"
DEMO_PASSWORD="${DEMO_PASSWORD:-demo-password-1}"
TABLE_PORT=10002

[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

if ! (exec 3<>/dev/tcp/127.0.0.1/$TABLE_PORT) 2>/dev/null; then
  mkdir -p .azurite
  node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort $TABLE_PORT \
    --location .azurite --skipApiVersionCheck --silent --disableTelemetry &
  AZURITE_PID=$!
  trap 'kill $AZURITE_PID 2>/dev/null || true' EXIT
  for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$TABLE_PORT) 2>/dev/null && break; sleep 0.2; done
fi

# Secure cookies need HTTPS: the host serves the ASP.NET Core development certificate.
dotnet dev-certs https >/dev/null 2>&1 || true

export DOTNET_ENVIRONMENT=Development
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost; do dotnet build "$project" -v quiet -nologo; done
admin() { dotnet run --no-build --project src/ServerlessAuth.Admin -- "$@"; }
admin setup
. scripts/demo-user.sh
add_demo_user "$DEMO_USER" "$DEMO_PASSWORD"
echo "Demo user: $DEMO_USER / $DEMO_PASSWORD"
echo "Serving https://localhost:7071/api (Ctrl+C to stop); issuer and public keys: https://localhost:7071/api/auth/.well-known/openid-configuration"
dotnet run --no-build --project src/ServerlessAuth.WebHost --launch-profile ServerlessAuth.WebHost
