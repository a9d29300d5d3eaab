#!/usr/bin/env bash
# The store's memory limit from outside: a fresh Kv.Server with --max-memory LIMIT and a fresh redis-server with
# maxmemory LIMIT (noeviction), each sent KEYS SETs of new keys (16-byte keys, VALUE_SIZE-byte values, pipeline 16)
# until far past the limit; then how many keys each holds, how many writes it refused, and its resident memory against
# the limit. Target (issue 14): Kv's RSS at most the limit plus 10% plus 64 MiB.
#   LIMIT=256mb KEYS=4000000 VALUE_SIZE=100 bench/memory-limit.sh
source "$(dirname "$0")/common.sh"
LIMIT=${LIMIT:-256mb}
KEYS=${KEYS:-4000000}
VALUE_SIZE=${VALUE_SIZE:-100}
KV_PORT=${KV_PORT_BENCH:-6565}
REDIS_PORT=${REDIS_PORT_BENCH:-6395}

ensure_redis
build
fill() { kv_bench --proto "$1" -p "$2" -t set -n "$KEYS" -r "$KEYS" --sequential -P 16 -c 50 -d "$VALUE_SIZE" --warmup 0 --json; }
report() {
  python3 - "$1" "$2" "$3" "$LIMIT" <<'PY'
import json, sys
name, rss_kib, result, limit = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])[0], sys.argv[4]
units = {"kb": 1024, "mb": 1024**2, "gb": 1024**3}
limit_bytes = int(limit[:-2]) * units[limit[-2:].lower()]
held = result.get("requests", 0) - result.get("errors", 0)
print(f"| {name} | {limit} | {held:,} | {result.get('errors', 0):,} | {rss_kib / 1024:,.0f} MiB | {rss_kib * 1024 / limit_bytes:.2f} |")
PY
}

echo "| server | limit | keys held | writes refused | RSS after the fill | RSS / limit |"
echo "|---|---|---|---|---|---|"
start_kv "$KV_PORT" --max-memory "$LIMIT"
result=$(fill kv "$KV_PORT" || true)  # kv-bench exits 1 when requests failed: here they are meant to
sleep 2
report Kv.Server "$(rss_kib "$KV_PID")" "$result"
stop_pid "$KV_PID"
start_redis "$REDIS_PORT" --maxmemory "$LIMIT" --maxmemory-policy noeviction
result=$(fill resp "$REDIS_PORT" || true)
sleep 2
report "redis-server" "$(rss_kib "$REDIS_PID")" "$result"
stop_pid "$REDIS_PID"
