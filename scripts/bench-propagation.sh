#!/usr/bin/env bash
# Revocation propagation between two instances on one Azurite, and storage transactions per 1,000
# protected requests in each mode (tests/ServerlessAuth.Benchmarks/Propagation.cs). Loopback only,
# bounded by its sample counts; everything started here is stopped at the end.
# Usage: scripts/bench-propagation.sh [logouts=100]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
TABLE_PORT=10105
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
start_azurite $TABLE_PORT
dotnet dev-certs https >/dev/null 2>&1 || true
dotnet build tests/ServerlessAuth.Benchmarks -c Release -v quiet -nologo >/dev/null
dotnet tests/ServerlessAuth.Benchmarks/bin/Release/net10.0/ServerlessAuth.Benchmarks.dll propagation \
  "$(devstore_connection_string $TABLE_PORT)" \
  "${1:-100}"
