# Sourced by the bench scripts: the local Azurite they start and the settings that reach it, written once.
# Defines functions only. The caller keeps the pids of what it starts in the array PIDS and stops them on exit.

# Azurite's well-known development account (public, the same in every Azurite).
DEVSTORE_ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# The connection string of an Azurite table endpoint on 127.0.0.1:PORT.
devstore_connection_string() {
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$DEVSTORE_ACCOUNT_KEY;TableEndpoint=http://127.0.0.1:$1/devstoreaccount1;"
}

# Fails with one line naming the Debian packages when a tool is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $*)" >&2; exit 1; }
  done
}

# Waits until something accepts connections on 127.0.0.1:PORT (10 s at most).
wait_for_port() {
  local _
  for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.2; done
  echo "nothing answers on 127.0.0.1:$1" >&2
  return 1
}

# Starts an in-memory Azurite (tables only) on 127.0.0.1:PORT, adds it to PIDS and waits for it.
start_azurite() {
  [ -x node_modules/.bin/azurite-table ] || npm ci --no-audit --no-fund
  node_modules/.bin/azurite-table --tableHost 127.0.0.1 --tablePort "$1" --inMemoryPersistence \
    --skipApiVersionCheck --disableTelemetry --silent &
  PIDS+=($!)
  wait_for_port "$1"
}

# Builds the admin CLI and uses it to create the tables and the user bench / bench-password-1 on the
# storage that AuthStorage__ConnectionString names.
add_bench_user() {
  dotnet build src/ServerlessAuth.Admin -c Release -v quiet -nologo >/dev/null
  local admin=(dotnet "$PWD/src/ServerlessAuth.Admin/bin/Release/net10.0/serverlessauth-admin.dll")
  (cd "$(mktemp -d)" && "${admin[@]}" setup >/dev/null && printf 'bench-password-1\n' | "${admin[@]}" users add bench >/dev/null)
}
