#!/usr/bin/env bash
# Revocation propagation between two instances on one Azurite, and storage transactions per 1,000
# protected requests in each mode (tests/ServerlessAuth.Benchmarks/Propagation.cs). Loopback only,
# bounded by its sample counts; everything started here is stopped at the end.
# Usage: scripts/bench-propagation.sh [logouts=100]
set -euo pipefail
cd "$(dirname "$0")/.."
TABLE_PORT=10103
[ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund
node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort $TABLE_PORT --inMemoryPersistence --skipApiVersionCheck --disableTelemetry --silent &
AZURITE=$!
trap 'kill $AZURITE 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/$TABLE_PORT) 2>/dev/null && break; sleep 0.2; done
dotnet dev-certs https >/dev/null 2>&1 || true
dotnet build tests/ServerlessAuth.Benchmarks -c Release -v quiet -nologo >/dev/null
dotnet tests/ServerlessAuth.Benchmarks/bin/Release/net10.0/ServerlessAuth.Benchmarks.dll propagation \
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:$TABLE_PORT/devstoreaccount1;" \
  "${1:-100}"
