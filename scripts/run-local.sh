#!/usr/bin/env bash
# Runs the standalone host on https://localhost:7071 against a local Azurite, with a demo user.
# --functions: the same API at the same address, served by the Functions worker process
# (src/ServerlessAuth.Functions) behind the worker-protocol test host instead (docs/functions-adapter.md).
# Installs Azurite (npm ci), creates local.settings.json from the sample, the ASP.NET Core
# development certificate, the tables and a first signing key. Azurite's data stays in .azurite/.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST_KIND=webhost
case "${1:-}" in
  --functions) HOST_KIND=functions ;;
  "") ;;
  *) echo "usage: $0 [--functions]" >&2; exit 64 ;;
esac

DEMO_USER="${DEMO_USER:-demo}"
DEMO_PASSWORD="${DEMO_PASSWORD:-demo-password-1}"
HTTPS_PORT=7071
TABLE_PORT=10002
AZURITE_PID_FILE=.azurite/azurite-table.pid

# Both ports before anything is installed or built: a taken port is one line, not a Kestrel stack trace.
. scripts/local-ports.sh
require_free_port $HTTPS_PORT "the host's HTTPS port"
REUSE_AZURITE=""
if port_open $TABLE_PORT; then
  if pid=$(own_azurite_pid $AZURITE_PID_FILE) && answers_as_azurite $TABLE_PORT; then
    REUSE_AZURITE="Reusing the Azurite an earlier run started (pid $pid, data in .azurite/)."
  elif answers_as_azurite $TABLE_PORT; then
    REUSE_AZURITE="Reusing an Azurite this script did not start, on port $TABLE_PORT: $(port_holder $TABLE_PORT); its data is not in .azurite/."
  else
    echo "error: port $TABLE_PORT (Azurite's table port) is taken by $(port_holder $TABLE_PORT), which is not Azurite; stop it, then run this again." >&2
    exit 1
  fi
fi

[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

if [ -n "$REUSE_AZURITE" ]; then
  echo "$REUSE_AZURITE"
else
  mkdir -p .azurite
  node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort $TABLE_PORT \
    --location .azurite --skipApiVersionCheck --silent --disableTelemetry &
  AZURITE_PID=$!
  echo $AZURITE_PID > $AZURITE_PID_FILE
  trap 'kill $AZURITE_PID 2>/dev/null || true; rm -f $AZURITE_PID_FILE' EXIT
  for _ in $(seq 1 50); do port_open $TABLE_PORT && break; sleep 0.2; done
fi

# Secure cookies need HTTPS: the host serves the ASP.NET Core development certificate.
dotnet dev-certs https >/dev/null 2>&1 || true

export DOTNET_ENVIRONMENT=Development
if [ "$HOST_KIND" = functions ]; then
  # Builds src/ServerlessAuth.Functions too: the test host starts that build output's worker.
  projects=(src/ServerlessAuth.Admin tests/ServerlessAuth.FunctionsTestHost)
else
  projects=(src/ServerlessAuth.Admin src/ServerlessAuth.WebHost)
fi
for project in "${projects[@]}"; do dotnet build "$project" -v quiet -nologo; done
admin() { dotnet run --no-build --project src/ServerlessAuth.Admin -- "$@"; }
admin setup
. scripts/demo-user.sh
add_demo_user "$DEMO_USER" "$DEMO_PASSWORD"
echo "Demo user: $DEMO_USER / $DEMO_PASSWORD"
echo "Serving https://localhost:7071/api (Ctrl+C to stop); issuer and public keys: https://localhost:7071/api/auth/.well-known/openid-configuration"
if [ "$HOST_KIND" = functions ]; then
  # The worker gets local.settings.json's Values as its environment, as Core Tools would give it.
  dotnet run --no-build --no-launch-profile --project tests/ServerlessAuth.FunctionsTestHost -- \
    --settings "$PWD/local.settings.json" --port 7071
else
  dotnet run --no-build --project src/ServerlessAuth.WebHost --launch-profile ServerlessAuth.WebHost
fi
