#!/usr/bin/env bash
# Load over loopback, one run, interleaved (A B, A B): GET /api/auth/me with a valid token on
#   - the standalone ASP.NET Core host (Replica mode),
#   - the Functions worker process behind the worker-protocol test host (Replica mode): every request
#     takes one more HTTP hop (front end -> worker's HttpUri) and an InvocationRequest over gRPC,
# both on one Azurite and one table prefix, so one token serves both. The ratio is the proxy hop's cost
# as this test host pays it; the real Functions host's front end is not this one (docs/functions-adapter.md).
# Bounded: wrk runs DURATION per endpoint and round against 127.0.0.1 only; everything started here is
# stopped at the end. Needs wrk (apt-get install wrk).
# Usage: scripts/bench-functions.sh [duration=10s] [connections=32] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DURATION="${1:-10s}"; CONNECTIONS="${2:-32}"; ROUNDS="${3:-2}"
TABLE_PORT=10103; WEBHOST_PORT=7181; FUNCTIONS_PORT=7182
require_tools wrk

PIDS=()
SETTINGS=$(mktemp --suffix=.json)
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; rm -f "$SETTINGS"; }
trap cleanup EXIT

start_azurite $TABLE_PORT

CONNECTION="$(devstore_connection_string $TABLE_PORT)"
ISSUER=https://localhost:$WEBHOST_PORT/api/auth
export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$CONNECTION" Auth__Issuer=$ISSUER Auth__Audience=bench Auth__LoginAttemptsPerMinute=1000
export Logging__LogLevel__Default=Warning
# The worker gets the same settings as local.settings.json Values, as the test host passes them.
cat > "$SETTINGS" <<JSON
{"Values": {"AZURE_FUNCTIONS_ENVIRONMENT": "Development", "AuthStorage__ConnectionString": "$CONNECTION",
  "Auth__Issuer": "$ISSUER", "Auth__Audience": "bench", "Auth__LoginAttemptsPerMinute": "1000",
  "Logging__LogLevel__Default": "Warning"}}
JSON
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost tests/ServerlessAuth.FunctionsTestHost; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
dotnet dev-certs https >/dev/null 2>&1 || true
add_bench_user

dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls https://127.0.0.1:$WEBHOST_PORT >/dev/null & PIDS+=($!)
FUNCTIONS_OUT=$(mktemp)
dotnet tests/ServerlessAuth.FunctionsTestHost/bin/Release/net10.0/ServerlessAuth.FunctionsTestHost.dll \
  --settings "$SETTINGS" --port $FUNCTIONS_PORT >"$FUNCTIONS_OUT" 2>&1 & PIDS+=($!)

for port in $WEBHOST_PORT $FUNCTIONS_PORT; do
  for _ in $(seq 1 150); do curl -skf -o /dev/null "https://127.0.0.1:$port/api/health" && break; sleep 0.2; done
done
grep -m1 "serving" "$FUNCTIONS_OUT" || { echo "the Functions test host did not start:"; cat "$FUNCTIONS_OUT"; exit 1; }

JAR=$(mktemp)
curl -sk -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' https://127.0.0.1:$WEBHOST_PORT/api/auth/login >/dev/null
TOKEN=$(curl -sk -b "$JAR" -X POST https://127.0.0.1:$WEBHOST_PORT/api/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
rm -f "$JAR"
curl -skf -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$WEBHOST_PORT/api/auth/me >/dev/null
curl -skf -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$FUNCTIONS_PORT/api/auth/me >/dev/null

declare -A RPS NON2XX
run() { # name url
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$2")
  printf '== %s, round %s\n%s\n' "$1" "$round" "$out"
  RPS[$1]+="$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}') "
  NON2XX[$1]+="$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0) "
}
for round in $(seq 1 "$ROUNDS"); do
  run aspnetcore https://127.0.0.1:$WEBHOST_PORT/api/auth/me
  run functions https://127.0.0.1:$FUNCTIONS_PORT/api/auth/me
done

echo "== summary: requests/s per round, non-2xx per round ($DURATION, $CONNECTIONS connections)"
for name in aspnetcore functions; do printf '%-10s rps: %s non-2xx: %s\n' "$name" "${RPS[$name]}" "${NON2XX[$name]}"; done
mean() { printf '%s\n' $1 | awk '{s += $1; n++} END {printf "%.0f", s / n}'; }
a=$(mean "${RPS[aspnetcore]}"); f=$(mean "${RPS[functions]}")
awk -v a="$a" -v f="$f" 'BEGIN { printf "means: aspnetcore %d, functions %d req/s; functions / aspnetcore = %.2f\n", a, f, f / a }'
