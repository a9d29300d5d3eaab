#!/usr/bin/env bash
# Resident memory per key after loading KEYS keys (16-byte keys, VALUE_SIZE-byte values) into a fresh Kv.Server and a
# fresh redis-server, measured from /proc/PID/status (VmRSS) before and after; then every key is removed again (CLEAR,
# DEL) and the resident memory compared with the empty server's.
#   KEYS=1000000 VALUE_SIZE=32 bench/memory.sh
source "$(dirname "$0")/common.sh"
KEYS=${KEYS:-1000000}
VALUE_SIZE=${VALUE_SIZE:-32}
KV_PORT=${KV_PORT_BENCH:-6561}
REDIS_PORT=${REDIS_PORT_BENCH:-6391}

ensure_redis
build

# Warm up every code path with the load's own shape (50 connections, pipeline 16), long enough for the JIT's second tier
# to have compiled the hot paths, on a keyspace of 1,000 keys that is removed again: so that only per-key growth is
# measured, not the code, connection buffers and compiler memory that any load brings once.
warm() {
  kv_bench --proto "$1" -p "$2" -t set,get -n 300000 -r 1000 --warmup 0 -P 16 -c 50 -d "$VALUE_SIZE" >/dev/null
  kv_bench --proto "$1" -p "$2" -t clear -n 1000 -r 1000 --sequential --warmup 0 -P 16 -c 50 >/dev/null
}
load() { kv_bench --proto "$1" -p "$2" -t set -n "$KEYS" -r "$KEYS" --sequential --warmup 0 -P 16 -c 50 -d "$VALUE_SIZE" >/dev/null; }
unload() { kv_bench --proto "$1" -p "$2" -t clear -n "$KEYS" -r "$KEYS" --sequential --warmup 0 -P 16 -c 50 >/dev/null; }

# measure NAME PROTO PORT PID
measure() {
  local name=$1 proto=$2 port=$3 pid=$4 before after emptied
  warm "$proto" "$port"
  sleep 1
  before=$(rss_kib "$pid")
  load "$proto" "$port"
  sleep 2
  after=$(rss_kib "$pid")
  unload "$proto" "$port"
  sleep 2
  emptied=$(rss_kib "$pid")
  echo "$name RSS ${before} KiB -> ${after} KiB after ${KEYS} keys: $(( (after - before) * 1024 / KEYS )) bytes/key;" \
    "${emptied} KiB once every key was removed ($(awk -v e="$emptied" -v b="$before" 'BEGIN { printf "%+.1f%%", 100 * (e - b) / b }') against the empty server)"
}

start_kv "$KV_PORT"
measure "Kv.Server:   " kv "$KV_PORT" "$KV_PID"
stop_pid "$KV_PID"

start_redis "$REDIS_PORT"
measure "redis-server:" resp "$REDIS_PORT" "$REDIS_PID"
stop_pid "$REDIS_PID"
