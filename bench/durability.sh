#!/usr/bin/env bash
# SET throughput with an append-only log, Kv.Server against redis-server, side by side in the same run: for each
# round and fsync policy, a fresh Kv (--data-dir, --fsync P) then a fresh Redis (appendonly yes, appendfsync P),
# each on an empty data directory, driven by the same kv-bench. Prints medians and Kv/Redis ratios.
#   ROUNDS=3 DURATION=5 CONNECTIONS=50 POLICIES="always everysec" bench/durability.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-50}
PIPELINE=${PIPELINE:-1}
POLICIES=${POLICIES:-"always everysec"}
VALUE_SIZE=${VALUE_SIZE:-32}
KEYSPACE=${KEYSPACE:-100000}
KV_PORT=${KV_PORT_BENCH:-6562}
REDIS_PORT=${REDIS_PORT_BENCH:-6392}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
DATA=${DATA:-$(mktemp -d "${TMPDIR:-/tmp}/kv-durability.XXXXXX")}

ensure_redis
build
echo "redis-server $(redis-server --version | awk '{print $3}'); data under $DATA (same file system for both); results in $OUT" >&2

common=(-t set -c "$CONNECTIONS" -P "$PIPELINE" -d "$VALUE_SIZE" -r "$KEYSPACE" --duration "$DURATION" --warmup 1 --json)
for round in $(seq "$ROUNDS"); do
  for policy in $POLICIES; do
    rm -rf "$DATA/kv" && mkdir -p "$DATA/kv"
    start_kv "$KV_PORT" --data-dir "$DATA/kv" --fsync "$policy"
    kv_bench --proto kv -p "$KV_PORT" --server-pid "$KV_PID" "${common[@]}" > "$OUT/kv-$round-$policy.json"
    stop_pid "$KV_PID"

    start_redis "$REDIS_PORT" --appendonly yes --appendfsync "$policy"
    kv_bench --proto resp -p "$REDIS_PORT" --server-pid "$REDIS_PID" "${common[@]}" > "$OUT/redis-$round-$policy.json"
    stop_pid "$REDIS_PID"
    echo "round $round $policy done" >&2
  done
done

python3 "$ROOT/bench/summarize_durability.py" "$OUT"
rm -rf "$DATA"
