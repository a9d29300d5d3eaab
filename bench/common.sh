# Shared by the bench scripts: build, install redis-server, start and stop servers by PID, all bounded.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVER_DLL="$ROOT/Kv.Server/bin/Release/net10.0/Kv.Server.dll"
BENCH_DLL="$ROOT/Kv.Bench/bin/Release/net10.0/Kv.Bench.dll"
PIDS=()

build() {
  dotnet build "$ROOT/Kv.Server/Kv.Server.csproj" -c Release -v quiet -nologo >/dev/null
  dotnet build "$ROOT/Kv.Bench/Kv.Bench.csproj" -c Release -v quiet -nologo >/dev/null
}

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server from Debian..." >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
}

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && timeout 10 tail --pid="$pid" -f /dev/null 2>/dev/null || true
  done
}
trap cleanup EXIT

# start_kv PORT [extra args]: starts Kv.Server, waits (at most 30 s) for its ready line, sets KV_PID.
start_kv() {
  local port=$1 log
  shift
  log=$(mktemp)
  # KV_ARGS: extra kv-server options for every script, e.g. KV_ARGS="--io-threads 1".
  # shellcheck disable=SC2086
  dotnet "$SERVER_DLL" --port "$port" --log-level "${KV_LOG_LEVEL_BENCH:-Warning}" ${KV_ARGS:-} "$@" >"$log" 2>&1 &
  KV_PID=$!
  PIDS+=("$KV_PID")
  for _ in $(seq 300); do
    grep -q "ready on" "$log" && return 0
    kill -0 "$KV_PID" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "Kv.Server did not start" >&2; return 1
}

# start_redis PORT [extra args]: starts redis-server without persistence unless asked, sets REDIS_PID.
start_redis() {
  local port=$1; shift
  local dir
  dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no "$@" >"$dir/log" 2>&1 &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")
  for _ in $(seq 300); do
    grep -qs "Ready to accept connections" "$dir/log" && return 0  # -s: the log may not exist yet
    kill -0 "$REDIS_PID" 2>/dev/null || { cat "$dir/log" >&2; return 1; }
    sleep 0.1
  done
  echo "redis-server did not start" >&2; return 1
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  timeout 10 tail --pid="$1" -f /dev/null 2>/dev/null || true
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

kv_bench() { dotnet "$BENCH_DLL" "$@"; }
