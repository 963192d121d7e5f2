#!/usr/bin/env bash
# Load over loopback, one run, interleaved (A B C, A B C, ...), GET with a valid token on
#   - the Express sample API's /hello (clients/node/sample: serverlessauth-express, verified-token cache,
#     following our host's revocations endpoint once per second),
#   - a bare Express endpoint answering the same JSON with no validation at all (the ceiling),
#   - the seed-style peer's /api/auth/me (../shared/peers: Express + jsonwebtoken + two Redis reads).
# All plain HTTP on 127.0.0.1; our host (the issuer, on Azurite) is only polled by the sample.
# Each target gets a 4 s warm-up, then wrk runs DURATION per target and round. Everything started here
# is stopped at the end. Needs wrk and redis-server (apt-get install wrk redis-server).
# Usage: scripts/bench-node.sh [duration=10s] [connections=32] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
DURATION="${1:-10s}"; CONNECTIONS="${2:-32}"; ROUNDS="${3:-3}"
TABLE_PORT=10112; HOST_PORT=7191; SAMPLE_PORT=5081; BARE_PORT=5082; PEER_PORT=7091; REDIS_PORT=6391
PEERS="$(cd .. && pwd)/shared/peers"
require_tools wrk redis-server
(cd clients/node/sample && npm ci --no-audit --no-fund --loglevel=error)

PIDS=()
PEER_STOP=""
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; [ -z "$PEER_STOP" ] || eval "$PEER_STOP" >/dev/null 2>&1 || true; }
trap cleanup EXIT

start_azurite $TABLE_PORT

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$(devstore_connection_string $TABLE_PORT)"
export Auth__Issuer=http://127.0.0.1:$HOST_PORT/api/auth Auth__Audience=bench Auth__LoginAttemptsPerMinute=1000
export Logging__LogLevel__Default=Warning
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
ADMIN=(dotnet "$PWD/src/ServerlessAuth.Admin/bin/Release/net10.0/serverlessauth-admin.dll")
WORK=$(mktemp -d)
add_bench_user
SECRET=$(cd "$WORK" && "${ADMIN[@]}" clients add bench-api | grep -oE '(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)' | tr -d ' \t' | tail -1)

dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls http://127.0.0.1:$HOST_PORT >/dev/null & PIDS+=($!)
for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$HOST_PORT/api/health" && break; sleep 0.2; done

(cd clients/node/sample && ISSUER=$Auth__Issuer AUDIENCE=bench CLIENT_ID=bench-api CLIENT_SECRET="$SECRET" REQUIRE_HTTPS=false \
  PORT=$SAMPLE_PORT exec node server.js >/dev/null) & PIDS+=($!)
# The bare endpoint: the same Express, the same JSON, no validation.
(cd clients/node/sample && exec node --input-type=module -e "
import express from 'express';
const app = express();
app.disable('x-powered-by');
app.get('/hello', (req, res) => res.json({ sub: 'c8b1c3f2a7e94d0b9f1e2a3b4c5d6e7f', name: 'bench' }));
app.listen($BARE_PORT, '127.0.0.1');" >/dev/null) & PIDS+=($!)
# To a file, not a pipe: the peer's background processes keep their parent's stdout open.
PEER_OUT=$(mktemp)
"$PEERS/start-peer.sh" $PEER_PORT $REDIS_PORT >"$PEER_OUT"
PEER_STOP=$(sed -n 's/^stop: //p' "$PEER_OUT")

TOKEN=$(curl -s -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' \
  "http://127.0.0.1:$HOST_PORT/api/auth/login?useCookies=false" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
JAR=$(mktemp)
curl -s -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"demo","password":"demo-password"}' http://127.0.0.1:$PEER_PORT/api/auth/login >/dev/null
PEER_TOKEN=$(curl -s -b "$JAR" -X POST http://127.0.0.1:$PEER_PORT/api/auth/token | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
rm -f "$JAR"
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$SAMPLE_PORT/health" && break; sleep 0.2; done
curl -sf -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$SAMPLE_PORT/hello >/dev/null
curl -sf http://127.0.0.1:$BARE_PORT/hello >/dev/null
curl -sf -H "Authorization: Bearer $PEER_TOKEN" http://127.0.0.1:$PEER_PORT/api/auth/me >/dev/null

declare -A RPS NON2XX
run() { # name url token [warm-up]
  local out; out=$(wrk -t2 -c"$CONNECTIONS" -d"${4:-$DURATION}" --latency -H "Authorization: Bearer $3" "$2")
  [ -n "${4:-}" ] && return
  printf '== %s, round %s\n%s\n' "$1" "$round" "$out"
  RPS[$1]+="$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}') "
  NON2XX[$1]+="$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}' | grep . || echo 0) "
}
round=0
run sample http://127.0.0.1:$SAMPLE_PORT/hello "$TOKEN" 4s
run bare http://127.0.0.1:$BARE_PORT/hello "$TOKEN" 4s
run peer http://127.0.0.1:$PEER_PORT/api/auth/me "$PEER_TOKEN" 4s
for round in $(seq 1 "$ROUNDS"); do
  run sample http://127.0.0.1:$SAMPLE_PORT/hello "$TOKEN"
  run bare http://127.0.0.1:$BARE_PORT/hello "$TOKEN"
  run peer http://127.0.0.1:$PEER_PORT/api/auth/me "$PEER_TOKEN"
done

echo "== summary: requests/s per round, non-2xx per round ($DURATION, $CONNECTIONS connections)"
for name in sample bare peer; do printf '%-8s rps: %s non-2xx: %s\n' "$name" "${RPS[$name]}" "${NON2XX[$name]}"; done
median() { printf '%s\n' $1 | sort -n | awk '{v[NR] = $1} END {printf "%.0f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
s=$(median "${RPS[sample]}"); b=$(median "${RPS[bare]}"); p=$(median "${RPS[peer]}")
awk -v s="$s" -v b="$b" -v p="$p" 'BEGIN {
  printf "medians: sample /hello %d, bare Express %d, peer /me %d req/s\n", s, b, p
  printf "sample / bare = %.2f, sample / peer = %.1fx\n", s / b, s / p }'
