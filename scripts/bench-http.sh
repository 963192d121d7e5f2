#!/usr/bin/env bash
# Load over loopback, one run, interleaved (A B C D, A B C D): GET /api/auth/me with a valid token on
#   - the standalone host in Replica mode (no storage read per request),
#   - the standalone host in Strict mode (four parallel point reads per request, on Azurite),
#   - the seed-style peer of ../shared/peers (Express + jsonwebtoken + two Redis reads per request),
#   - a bare Kestrel endpoint that only validates the same kind of JWT (the ceiling).
# Bounded: wrk runs DURATION per endpoint and round against 127.0.0.1 only; everything started here
# is stopped at the end. Needs wrk and redis-server (apt-get install wrk redis-server).
# Usage: scripts/bench-http.sh [duration=10s] [connections=32] [rounds=2]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DURATION="${1:-10s}"; CONNECTIONS="${2:-32}"; ROUNDS="${3:-2}"
TABLE_PORT=10102; REPLICA_PORT=7171; STRICT_PORT=7172; BARE_PORT=7173; PEER_PORT=7091; REDIS_PORT=6391
PEERS="$(cd .. && pwd)/shared/peers"
require_tools wrk redis-server

PIDS=()
PEER_STOP=""
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; [ -z "$PEER_STOP" ] || eval "$PEER_STOP" >/dev/null 2>&1 || true; }
trap cleanup EXIT

start_azurite $TABLE_PORT

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$(devstore_connection_string $TABLE_PORT)"
export Auth__Issuer=https://localhost:$REPLICA_PORT/api/auth Auth__Audience=bench Auth__LoginAttemptsPerMinute=1000
export Logging__LogLevel__Default=Warning
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost tests/ServerlessAuth.Benchmarks; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
dotnet dev-certs https >/dev/null 2>&1 || true
add_bench_user

HOST=src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll
Revocation__Mode=Replica dotnet $HOST --urls https://127.0.0.1:$REPLICA_PORT >/dev/null & PIDS+=($!)
Revocation__Mode=Strict dotnet $HOST --urls https://127.0.0.1:$STRICT_PORT >/dev/null & PIDS+=($!)
BARE_OUT=$(mktemp)
dotnet tests/ServerlessAuth.Benchmarks/bin/Release/net10.0/ServerlessAuth.Benchmarks.dll bare-jwt https://127.0.0.1:$BARE_PORT >"$BARE_OUT" & PIDS+=($!)
# To a file, not a pipe: the peer's background processes keep their parent's stdout open.
PEER_OUT=$(mktemp)
"$PEERS/start-peer.sh" $PEER_PORT $REDIS_PORT >"$PEER_OUT"
PEER_STOP=$(sed -n 's/^stop: //p' "$PEER_OUT")

for port in $REPLICA_PORT $STRICT_PORT $BARE_PORT; do
  for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$port/api/auth/me" && break; sleep 0.2; done
done

JAR=$(mktemp)
curl -sk -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' https://127.0.0.1:$REPLICA_PORT/api/auth/login >/dev/null
TOKEN=$(curl -sk -b "$JAR" -X POST https://127.0.0.1:$REPLICA_PORT/api/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
curl -s -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"demo","password":"demo-password"}' http://127.0.0.1:$PEER_PORT/api/auth/login >/dev/null
PEER_TOKEN=$(curl -s -b "$JAR" -X POST http://127.0.0.1:$PEER_PORT/api/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
BARE_TOKEN=$(sed -n 's/^token: //p' "$BARE_OUT")
rm -f "$JAR"
curl -skf -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$REPLICA_PORT/api/auth/me >/dev/null
curl -skf -H "Authorization: Bearer $TOKEN" https://127.0.0.1:$STRICT_PORT/api/auth/me >/dev/null
curl -sf -H "Authorization: Bearer $PEER_TOKEN" http://127.0.0.1:$PEER_PORT/api/auth/me >/dev/null
curl -skf -H "Authorization: Bearer $BARE_TOKEN" https://127.0.0.1:$BARE_PORT/api/auth/me >/dev/null

declare -A RPS NON2XX
run() { # name url token
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $3" "$2")
  printf '== %s, round %s\n%s\n' "$1" "$round" "$out"
  RPS[$1]+="$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}') "
  NON2XX[$1]+="$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0) "
}
for round in $(seq 1 "$ROUNDS"); do
  run replica https://127.0.0.1:$REPLICA_PORT/api/auth/me "$TOKEN"
  run strict https://127.0.0.1:$STRICT_PORT/api/auth/me "$TOKEN"
  run peer http://127.0.0.1:$PEER_PORT/api/auth/me "$PEER_TOKEN"
  run bare https://127.0.0.1:$BARE_PORT/api/auth/me "$BARE_TOKEN"
done

echo "== summary: requests/s per round, non-2xx per round ($DURATION, $CONNECTIONS connections)"
for name in replica strict peer bare; do printf '%-8s rps: %s non-2xx: %s\n' "$name" "${RPS[$name]}" "${NON2XX[$name]}"; done
mean() { printf '%s\n' $1 | awk '{s += $1; n++} END {printf "%.0f", s / n}'; }
r=$(mean "${RPS[replica]}"); s=$(mean "${RPS[strict]}"); p=$(mean "${RPS[peer]}"); b=$(mean "${RPS[bare]}")
awk -v r="$r" -v s="$s" -v p="$p" -v b="$b" 'BEGIN {
  printf "means: replica %d, strict %d, peer %d, bare %d req/s\n", r, s, p, b
  printf "replica / peer = %.1fx, replica / bare = %.2f, strict / peer = %.2fx\n", r / p, r / b, s / p }'
