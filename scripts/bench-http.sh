#!/usr/bin/env bash
# Load test over loopback: GET /api/auth/me with a valid Bearer token (signature check + the four
# parallel point reads against Azurite), and GET /api/health for comparison. Bounded: wrk runs
# DURATION per endpoint against 127.0.0.1 only, then everything started here is stopped.
# Usage: scripts/bench-http.sh [duration=20s] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-20s}"; CONNECTIONS="${2:-16}"
TABLE_PORT=10102; HTTPS_PORT=7171
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund

node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort $TABLE_PORT --inMemoryPersistence --skipApiVersionCheck --silent &
PIDS=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$TABLE_PORT) 2>/dev/null && break; sleep 0.2; done

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$TABLE_PORT/devstoreaccount1;"
export Auth__Issuer=https://localhost:$HTTPS_PORT Auth__Audience=bench Auth__LoginAttemptsPerMinute=1000
export Logging__LogLevel__Default=Warning
dotnet build src/ServerlessAuth.Admin -c Release -v quiet -nologo >/dev/null
dotnet build src/ServerlessAuth.WebHost -c Release -v quiet -nologo >/dev/null
dotnet dev-certs https >/dev/null 2>&1 || true
ADMIN=(dotnet "$PWD/src/ServerlessAuth.Admin/bin/Release/net10.0/serverlessauth-admin.dll")
(cd "$(mktemp -d)" && "${ADMIN[@]}" setup >/dev/null && printf 'bench-password-1\n' | "${ADMIN[@]}" users add bench >/dev/null)

dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls https://127.0.0.1:$HTTPS_PORT >/dev/null &
PIDS+=($!)
API=https://127.0.0.1:$HTTPS_PORT/api
for _ in $(seq 1 100); do curl -sk -o /dev/null $API/health && break; sleep 0.2; done

JAR=$(mktemp)
curl -sk -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' $API/auth/login >/dev/null
TOKEN=$(curl -sk -b "$JAR" -X POST $API/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
curl -sk -f -H "Authorization: Bearer $TOKEN" $API/auth/me >/dev/null

echo "== GET /api/auth/me (valid token) -- $DURATION, $CONNECTIONS connections"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" $API/auth/me
echo "== GET /api/health -- $DURATION, $CONNECTIONS connections"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency $API/health
rm -f "$JAR"
