#!/usr/bin/env bash
# Revocation propagation to the Express sample (clients/node/sample: serverlessauth-express following our
# host's revocations endpoint), and what the issuer sees meanwhile.
# Each sample: log in on our host (the issuer), check that the sample answers 200 for the token, wait a
# random 0-1 s (so the logout falls at a random phase of the sample's 1 s polls), POST /api/auth/logout
# with the token, then ask the sample's /hello every 10 ms (one curl, one kept-alive connection) until
# it answers 401; the time is from the logout's answer to the sample's first refusal. Past 10 s, or on
# any other answer, the sample counts as a failure. Meanwhile a steady light load (about 100 req/s with
# another, still valid token) runs against the sample, and the issuer logs every request's path
# (Microsoft.AspNetCore.Hosting.Diagnostics at Information): the script counts them by path over the
# measured phase, to show that the sample calls the issuer per poll, not per request.
# Plain HTTP on 127.0.0.1 only; our host in Release on an in-memory Azurite. Bounded by its counts;
# everything started here is stopped at the end.
# Usage: scripts/bench-node-propagation.sh [logouts=50]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-ports.sh
. scripts/lib.sh
LOGOUTS="${1:-50}"
TABLE_PORT=10113; HOST_PORT=7192; SAMPLE_PORT=5083
ISSUER_ROOT=http://127.0.0.1:$HOST_PORT
SAMPLE=http://127.0.0.1:$SAMPLE_PORT
require_free_port $TABLE_PORT "Azurite tables"
require_free_port $HOST_PORT "our host"
require_free_port $SAMPLE_PORT "the Express sample"
(cd clients/node/sample && npm ci --no-audit --no-fund --loglevel=error)

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  touch "$WORK/stop"
  kill "${PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_azurite $TABLE_PORT >/dev/null

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
export AuthStorage__ConnectionString="$(devstore_connection_string $TABLE_PORT)"
export Auth__Issuer=$ISSUER_ROOT/api/auth Auth__Audience=bench Auth__LoginAttemptsPerMinute=1000
export Logging__LogLevel__Default=Warning
for project in src/ServerlessAuth.Admin src/ServerlessAuth.WebHost; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
ADMIN=(dotnet "$PWD/src/ServerlessAuth.Admin/bin/Release/net10.0/serverlessauth-admin.dll")
add_bench_user
SECRET=$(cd "$WORK" && "${ADMIN[@]}" clients add bench-api | grep -oE '(^|[^A-Za-z0-9_-])[A-Za-z0-9_-]{43}([^A-Za-z0-9_-]|$)' | tr -d ' \t' | tail -1)

# The category name has dots, which `export` does not take; env does. One line per request: its path.
ISSUER_LOG="$WORK/issuer.log"
env 'Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics=Information' \
  dotnet src/ServerlessAuth.WebHost/bin/Release/net10.0/ServerlessAuth.WebHost.dll --urls $ISSUER_ROOT >"$ISSUER_LOG" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do curl -sf -o /dev/null "$ISSUER_ROOT/api/health" && break; sleep 0.2; done

(cd clients/node/sample && ISSUER=$Auth__Issuer AUDIENCE=bench CLIENT_ID=bench-api CLIENT_SECRET="$SECRET" REQUIRE_HTTPS=false \
  PORT=$SAMPLE_PORT exec node server.js >"$WORK/sample.log" 2>&1) &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "$SAMPLE/health" && break; sleep 0.2; done

login() {
  curl -s -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password-1"}' \
    "$ISSUER_ROOT/api/auth/login?useCookies=false" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' || true
}
status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$SAMPLE/hello" || true; }
LOAD_TOKEN=$(login)
[ -n "$LOAD_TOKEN" ] && [ "$(status "$LOAD_TOKEN")" = 200 ] || { echo "setup failed: the sample does not accept a fresh token"; exit 1; }

echo "== $(date -u +%FT%TZ), $(nproc) cores, load average at start: $(cat /proc/loadavg)"
sleep 1
MARK=$(wc -l <"$ISSUER_LOG")
PHASE_START=$EPOCHREALTIME

# The light load: batches of 100 requests at 100/s on one connection, until told to stop.
(while [ ! -e "$WORK/stop" ]; do
  curl -s -o /dev/null -w '%{http_code}\n' --rate 100/s -H "Authorization: Bearer $LOAD_TOKEN" "$SAMPLE/hello?n=[1-100]" || true
done >"$WORK/load.txt") &
LOAD_PID=$!
PIDS+=($LOAD_PID)

LATENCIES=(); FAILURES=0; PROBES=0; LOGINS=0; LOGOUTS_DONE=0
for i in $(seq 1 "$LOGOUTS"); do
  token=$(login); LOGINS=$((LOGINS + 1))
  code=$(status "$token"); PROBES=$((PROBES + 1))
  if [ -z "$token" ] || [ "$code" != 200 ]; then echo "sample $i: not accepted before logout ($code)"; FAILURES=$((FAILURES + 1)); continue; fi
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" "$ISSUER_ROOT/api/auth/logout" || true)
  t0=$EPOCHREALTIME; LOGOUTS_DONE=$((LOGOUTS_DONE + 1))
  if [ "$code" != 200 ]; then echo "sample $i: logout answered $code"; FAILURES=$((FAILURES + 1)); continue; fi
  # --fail-early stops at the first non-2xx; at most 1,000 tries 10 ms apart (10 s).
  codes=$(curl -s -o /dev/null -w '%{http_code}\n' --fail --fail-early --rate 100/s \
    -H "Authorization: Bearer $token" "$SAMPLE/hello?p=[1-1000]" || true)
  t1=$EPOCHREALTIME
  PROBES=$((PROBES + $(grep -c . <<<"$codes" || true)))
  last=$(tail -n 1 <<<"$codes")
  ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  if [ "$last" = 401 ] && [ "$ms" -le 10000 ]; then LATENCIES+=("$ms"); else echo "sample $i: no 401 within 10 s (last answer $last after $ms ms)"; FAILURES=$((FAILURES + 1)); fi
done

touch "$WORK/stop"; wait "$LOAD_PID" || true
PHASE_S=$(awk -v a="$PHASE_START" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
sleep 0.5 # the console logger writes from a queue
MARK_END=$(wc -l <"$ISSUER_LOG")
LOG_S=$(awk -v a="$PHASE_START" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')

echo "== logout -> 401 at the sample, ms (from the logout's answer to the first refusal; 10 ms polling)"
echo "all: ${LATENCIES[*]}"
# Nearest rank: the smallest value with at least that share of the samples at or below it.
printf '%s\n' "${LATENCIES[@]}" | { grep . || true; } | sort -n | awk -v n="$LOGOUTS" -v f="$FAILURES" '
  function rank(q,  r) { r = int(q * NR); if (r < q * NR) r++; return v[r < 1 ? 1 : r] }
  {v[NR] = $1}
  END {
    printf "samples %d of %d, failures %d\n", NR, n, f
    if (NR > 0) printf "p50 %d ms, p99 %d ms, max %d ms\n", rank(0.50), rank(0.99), v[NR]
  }'
echo "== the sample during the measured phase ($PHASE_S s)"
echo "load requests (valid token) by status: $(sort "$WORK/load.txt" | uniq -c | awk '{printf "%s %s  ", $2, $1}')"
echo "script's own requests to the sample: $PROBES (accept checks and 10 ms refusal polls)"
echo "total served: $(( $(grep -c . "$WORK/load.txt" || true) + PROBES ))"
echo "== the issuer's requests during the measured phase and 0.5 s after it ($LOG_S s), by method and path (its request log)"
sed -n "$((MARK + 1)),${MARK_END}p" "$ISSUER_LOG" \
  | sed -n 's|.*Request starting HTTP/[0-9.]* \([A-Z]*\) https\{0,1\}://[^/]*\([^? ]*\).*|\1 \2|p' | sort | uniq -c | sort -rn
echo "the script itself made: $LOGINS POST /api/auth/login, $LOGOUTS_DONE POST /api/auth/logout"
echo "== load average at end: $(cat /proc/loadavg)"
