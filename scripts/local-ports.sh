# Sourced by run-local.sh: is a local port taken, by whom, and is the Azurite on it one this script started.

# port_open PORT: something accepts connections on 127.0.0.1:PORT or [::1]:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || (exec 3<>"/dev/tcp/::1/$1") 2>/dev/null
}

# port_holder PORT: "node (pid 123)" when ss can tell; else how to find out.
port_holder() {
  local line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1) || true
    if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
      return
    fi
    if [ -n "$line" ]; then
      echo "a process of another user (sudo ss -ltnp 'sport = :$1' names it)"
      return
    fi
  fi
  echo "a process this script cannot name ('ss -ltnp' or 'lsof -i :$1' names it)"
}

# require_free_port PORT WHAT: one line and exit 1 when PORT is taken.
require_free_port() {
  if port_open "$1"; then
    echo "error: port $1 ($2) is taken by $(port_holder "$1"); stop it, then run this again." >&2
    exit 1
  fi
}

# answers_as_azurite PORT: the HTTP server on PORT says it is Azurite's table service.
answers_as_azurite() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" \
    && printf 'GET /devstoreaccount1/Tables HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 \
    && timeout 3 head -c 2048 <&3) 2>/dev/null) || true
  grep -qi '^server: *azurite-table' <<<"$reply"
}

# own_azurite_pid PIDFILE: the pid recorded by an earlier run, if that process is still an Azurite.
own_azurite_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q 'azurite' || return 1
  echo "$pid"
}
