#!/usr/bin/env bash
# Cold start: process start -> first 200 on GET /api/auth/me (a valid token, Replica mode), with the
# revocation feed's window holding EVENTS events, for
#   - the standalone host (src/ServerlessAuth.WebHost),
#   - the Functions worker behind the worker-protocol test host (tests/ServerlessAuth.FunctionsTestHost,
#     as scripts/run-local.sh --functions): from the test host's start and from the worker process's own
#     start (/proc starttime, 10 ms resolution),
# and each process's resident memory (VmRSS) at that first 200. Loopback only; RUNS starts of each;
# everything started here is stopped at the end.
# Usage: scripts/bench-coldstart.sh [events=5000] [runs=3] [functions-dir=<build output>]
#   e.g. a ReadyToRun publish: dotnet publish src/ServerlessAuth.Functions -c Release -r linux-x64 \
#          --self-contained false -p:PublishReadyToRun=true -o /tmp/functions-r2r
#        scripts/bench-coldstart.sh 5000 3 /tmp/functions-r2r
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
EVENTS="${1:-5000}"; RUNS="${2:-3}"; FUNCTIONS_DIR="${3:-}"
TABLE_PORT=10107; WEBHOST_PORT=7193; FUNCTIONS_PORT=7194

PIDS=()
SETTINGS=$(mktemp --suffix=.json)
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; rm -f "$SETTINGS"; }
trap cleanup EXIT

start_azurite $TABLE_PORT

CONNECTION="$(devstore_connection_string $TABLE_PORT)"
ISSUER=https://localhost:$WEBHOST_PORT/api/auth
export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$CONNECTION" Auth__Issuer=$ISSUER Auth__Audience=bench
export Logging__LogLevel__Default=Warning
cat > "$SETTINGS" <<JSON
{"Values": {"AZURE_FUNCTIONS_ENVIRONMENT": "Development", "AuthStorage__ConnectionString": "$CONNECTION",
  "Auth__Issuer": "$ISSUER", "Auth__Audience": "bench", "Logging__LogLevel__Default": "Warning"}}
JSON
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost tests/ServerlessAuth.FunctionsTestHost tools/ServerlessAuth.FeedSimulation; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
dotnet dev-certs https >/dev/null 2>&1 || true
ADMIN=(dotnet "$PWD/src/ServerlessAuth.Admin/bin/Release/net10.0/serverlessauth-admin.dll")
(cd "$(mktemp -d)" && "${ADMIN[@]}" setup >/dev/null && printf 'bench-password-1\n' | "${ADMIN[@]}" users add bench >/dev/null)
dotnet tools/ServerlessAuth.FeedSimulation/bin/Release/net10.0/ServerlessAuth.FeedSimulation.dll populate --connection "$CONNECTION" --events "$EVENTS"

# A token from a warm host, stopped before the measured starts.
WEBHOST=(dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls https://127.0.0.1:$WEBHOST_PORT)
"${WEBHOST[@]}" >/dev/null 2>&1 & WARM=$!; PIDS+=($WARM)
for _ in $(seq 1 150); do curl -skf -o /dev/null "https://127.0.0.1:$WEBHOST_PORT/api/health" && break; sleep 0.2; done
JAR=$(mktemp)
curl -sk -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' https://127.0.0.1:$WEBHOST_PORT/api/auth/login >/dev/null
TOKEN=$(curl -sk -b "$JAR" -X POST https://127.0.0.1:$WEBHOST_PORT/api/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
rm -f "$JAR"
kill $WARM; wait $WARM 2>/dev/null || true

# A process's start in clock ticks since boot (/proc/PID/stat field 22). Only differences of two are used:
# /proc/stat's btime has whole seconds, so an absolute start made from it can be up to a second early.
CLK_TCK=$(getconf CLK_TCK)
started_ticks() { awk '{print $22}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
first_200() { until [ "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$1/api/auth/me")" = 200 ]; do sleep 0.005; done; date +%s%N; }

echo "| host | run | process start -> first 200 on /me (ms) | worker process start -> first 200 (ms) | RSS at first 200 (MB) |"
echo "|---|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  t0=$(date +%s%N)
  "${WEBHOST[@]}" >/dev/null 2>&1 & pid=$!; PIDS+=($pid)
  t1=$(first_200 $WEBHOST_PORT)
  echo "| standalone (WebHost) | $run | $(( (t1 - t0) / 1000000 )) | | $(rss_mb $pid) |"
  kill $pid; wait $pid 2>/dev/null || true

  t0=$(date +%s%N)
  dotnet tests/ServerlessAuth.FunctionsTestHost/bin/Release/net10.0/ServerlessAuth.FunctionsTestHost.dll \
    --settings "$SETTINGS" --port $FUNCTIONS_PORT ${FUNCTIONS_DIR:+--functions-dir "$FUNCTIONS_DIR"} >/dev/null 2>&1 & pid=$!; PIDS+=($pid)
  t1=$(first_200 $FUNCTIONS_PORT)
  worker=$(pgrep -P $pid | head -1)
  # The worker started this long after the test host (10 ms resolution), which started at t0.
  later_ms=$(( ($(started_ticks "$worker") - $(started_ticks $pid)) * 1000 / CLK_TCK ))
  echo "| Functions worker${FUNCTIONS_DIR:+ ($FUNCTIONS_DIR)} | $run | $(( (t1 - t0) / 1000000 )) (test host start) | $(( (t1 - t0) / 1000000 - later_ms )) | $(rss_mb "$worker") (worker), $(rss_mb $pid) (test host) |"
  kill $pid; wait $pid 2>/dev/null || true
done
