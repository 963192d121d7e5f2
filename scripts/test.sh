#!/usr/bin/env bash
# Runs the whole test suite: unit, integration (starts its own Azurite), browser (Debian's chromium),
# infrastructure (Bicep build + lint), and the Node package's tests (clients/node, node --test).
# Installs what it needs: Azurite from package-lock.json (npm ci, skipped when node_modules already
# matches it, unless CI=true), NuGet packages (incl. the Bicep CLI) by restore, the local .NET tools
# (.config/dotnet-tools.json: pwsh, which runs the Windows hook scripts in the infra tests), and
# Debian's chromium and faketime when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# npm ci takes minutes: skip it when node_modules was installed from these very package files (CI always installs).
lock_hash=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
stamp=node_modules/.serverlessauth-lock.sha256
if [ "${CI:-}" = "true" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi
# The browser tests drive the system chromium; Playwright never downloads a browser.
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
# One integration test runs a host under libfaketime, its clock 20 s behind the others'.
command -v faketime >/dev/null || (apt-get update -qq && apt-get install -y -qq faketime >/dev/null)
dotnet tool restore
dotnet restore ServerlessAuth.sln
dotnet build ServerlessAuth.sln --no-restore -c Release

log=$(mktemp)
status=0
dotnet test ServerlessAuth.sln --no-build -c Release 2>&1 | tee "$log" || status=$?

# The Node package (clients/node): its own tests, then the real-service ones against the Release build
# above (Azurite from the root install, our host, the admin CLI), and the sample API as a process.
# Their lockfiles name no registry.
node_status=0
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error && (cd sample && npm ci --no-audit --no-fund --loglevel=error) && npm test) 2>&1 | tee -a "$log" || node_status=$?
[ "$node_status" -eq 0 ] || status=$node_status

# One closing line over all test projects and the Node tests: "tests: N passed, N failed, N skipped".
# The Node test runner's summary is TAP: "# pass N", "# fail N", "# skipped N".
awk '/(Passed|Failed)! +- Failed:/ {
       for (i = 1; i <= NF; i++) { v = $(i + 1); gsub(",", "", v);
         if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v }
     }
     /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 } /^# skipped [0-9]+$/ { s += $3 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit $status
