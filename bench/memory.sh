#!/usr/bin/env bash
# Resident memory per key after loading KEYS keys (16-byte keys, VALUE_SIZE-byte values) into a fresh Kv.Server
# and a fresh redis-server, measured from /proc/PID/status (VmRSS) before and after.
#   KEYS=1000000 VALUE_SIZE=32 bench/memory.sh
source "$(dirname "$0")/common.sh"
KEYS=${KEYS:-1000000}
VALUE_SIZE=${VALUE_SIZE:-32}
KV_PORT=${KV_PORT_BENCH:-6561}
REDIS_PORT=${REDIS_PORT_BENCH:-6391}

ensure_redis
build

load() { kv_bench --proto "$1" -p "$2" -t set -n "$KEYS" -r "$KEYS" --sequential --warmup 0 -P 16 -c 50 -d "$VALUE_SIZE" >/dev/null; }

start_kv "$KV_PORT"
# Warm up every code path (JIT, the hash seed, connection buffers) so that only per-key growth is measured.
kv_bench --proto kv -p "$KV_PORT" -t set,get -n 1000 -r 1000 --sequential --warmup 0 -d "$VALUE_SIZE" >/dev/null
sleep 1
before=$(rss_kib "$KV_PID")
load kv "$KV_PORT"
sleep 2
after=$(rss_kib "$KV_PID")
stop_pid "$KV_PID"
kv_per_key=$(( (after - before) * 1024 / KEYS ))
echo "Kv.Server:    RSS ${before} KiB -> ${after} KiB after ${KEYS} keys: ${kv_per_key} bytes/key"

start_redis "$REDIS_PORT"
kv_bench --proto resp -p "$REDIS_PORT" -t set,get -n 1000 -r 1000 --sequential --warmup 0 -d "$VALUE_SIZE" >/dev/null
sleep 1
before=$(rss_kib "$REDIS_PID")
load resp "$REDIS_PORT"
sleep 2
after=$(rss_kib "$REDIS_PID")
stop_pid "$REDIS_PID"
redis_per_key=$(( (after - before) * 1024 / KEYS ))
echo "redis-server: RSS ${before} KiB -> ${after} KiB after ${KEYS} keys: ${redis_per_key} bytes/key"
