#!/usr/bin/env bash
# The revocation feed at scale, simulated (tools/ServerlessAuth.FeedSimulation): the real follower and
# replica of N instances on a virtual clock against a model of Table Storage. Prints markdown rows.
# Usage: scripts/simulate-feed.sh                     # the cost curve, today's design and the changed one
#        scripts/simulate-feed.sh run --design changed --instances 1000 --rate 100 [--lagging-share 0.1]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tools/ServerlessAuth.FeedSimulation -c Release -v quiet -nologo >/dev/null
exec dotnet tools/ServerlessAuth.FeedSimulation/bin/Release/net10.0/ServerlessAuth.FeedSimulation.dll "${@:-curve}"
