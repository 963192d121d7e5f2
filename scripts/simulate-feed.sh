#!/usr/bin/env bash
# The revocation feed at scale, simulated (tools/ServerlessAuth.FeedSimulation): the real follower and
# replica of N instances on a virtual clock against a model of Table Storage. Prints markdown rows.
# Usage: scripts/simulate-feed.sh                     # the cost curve, today's design and the changed one
#        scripts/simulate-feed.sh run --design changed --instances 1000 --rate 100 [--lagging-share 0.1]
#        scripts/simulate-feed.sh azurite [--instances 20] [--rate 5] [--seconds 30]
#            # real followers on a local Azurite (started and stopped here) beside the model, same counts
#        scripts/simulate-feed.sh firstsync [--events 5000] [--runs 9]
#            # a starting instance's first read of a populated window on Azurite: one query vs per minute in parallel
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tools/ServerlessAuth.FeedSimulation -c Release -v quiet -nologo >/dev/null
SIM=(dotnet tools/ServerlessAuth.FeedSimulation/bin/Release/net10.0/ServerlessAuth.FeedSimulation.dll)
if [ "${1:-}" != azurite ] && [ "${1:-}" != firstsync ]; then exec "${SIM[@]}" "${@:-curve}"; fi

TABLE_PORT=10106
. scripts/lib.sh
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
start_azurite $TABLE_PORT
"${SIM[@]}" "$@" --connection "$(devstore_connection_string $TABLE_PORT)"
