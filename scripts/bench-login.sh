#!/usr/bin/env bash
# Login under load: correct JSON logins of one user (210,000 PBKDF2 iterations, the default) against the
# standalone host on Azurite, with 10, 50 and 100 concurrent clients (wrk connections). Reports per level
# successful logins/s, p50/p99 latency and the count of each answer (200, 429, 503 busy from the hashing
# gate, 503 from storage, other). Bounded: DURATION per level against 127.0.0.1 only; everything started
# here is stopped at the end. Needs wrk (apt-get install wrk).
# Usage: scripts/bench-login.sh [duration=20s] [levels="10 50 100"]
# Extra host settings go through the environment, e.g. Auth__PasswordHashConcurrency=256 (no gate, to compare).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DURATION="${1:-20s}"; LEVELS="${2:-10 50 100}"
TABLE_PORT=10104; PORT=7174
require_tools wrk

PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; }
trap cleanup EXIT

start_azurite $TABLE_PORT

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$(devstore_connection_string $TABLE_PORT)"
# All clients come from one address: the per-address limiter would measure itself, not the login.
export Auth__Issuer=https://localhost:$PORT/api/auth Auth__Audience=bench Auth__LoginAttemptsPerMinute=100000
export Logging__LogLevel__Default=Warning
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
dotnet dev-certs https >/dev/null 2>&1 || true
add_bench_user

dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls https://127.0.0.1:$PORT >/dev/null & PIDS+=($!)
for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$PORT/api/health" && break; sleep 0.2; done
curl -skf -o /dev/null -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' https://127.0.0.1:$PORT/api/auth/login

echo "== load before: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
for clients in $LEVELS; do
  echo "== $clients concurrent clients, $DURATION"
  # A generous timeout, so slow answers are measured rather than dropped by wrk.
  wrk -t2 -c"$clients" -d"$DURATION" --timeout 30s --latency -s scripts/wrk/login.lua "https://127.0.0.1:$PORT/api/auth/login" \
    | grep -E '^(answers|logins_per_s|  Requests/sec)|Requests/sec'
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
