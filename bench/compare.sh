#!/usr/bin/env bash
# Kv.Server and redis-server side by side, driven by the same load generator (kv-bench) in the same run:
# for each round, pipeline depth and test, Kv then Redis, alternately. Prints medians and Kv/Redis ratios.
#   ROUNDS=3 DURATION=5 CONNECTIONS=50 PIPELINES="1 16" TESTS="set get" bench/compare.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-50}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"set get"}
VALUE_SIZE=${VALUE_SIZE:-32}
KEYSPACE=${KEYSPACE:-100000}
KV_PORT=${KV_PORT_BENCH:-6560}
REDIS_PORT=${REDIS_PORT_BENCH:-6390}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

ensure_redis
build
start_kv "$KV_PORT"
start_redis "$REDIS_PORT"
echo "Kv.Server pid $KV_PID on $KV_PORT, redis-server $(redis-server --version | awk '{print $3}') pid $REDIS_PID on $REDIS_PORT; results in $OUT" >&2

common=(-c "$CONNECTIONS" -d "$VALUE_SIZE" -r "$KEYSPACE" --duration "$DURATION" --warmup 1 --json)
# Fill both keyspaces so GETs find values (unmeasured).
kv_bench --proto kv -p "$KV_PORT" -t set -n "$KEYSPACE" -r "$KEYSPACE" --sequential --warmup 0 -P 16 >/dev/null
kv_bench --proto resp -p "$REDIS_PORT" -t set -n "$KEYSPACE" -r "$KEYSPACE" --sequential --warmup 0 -P 16 >/dev/null

for round in $(seq "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    for test in $TESTS; do
      kv_bench --proto kv -p "$KV_PORT" --server-pid "$KV_PID" -t "$test" -P "$pipeline" "${common[@]}" > "$OUT/kv-$round-$pipeline-$test.json"
      kv_bench --proto resp -p "$REDIS_PORT" --server-pid "$REDIS_PID" -t "$test" -P "$pipeline" "${common[@]}" > "$OUT/redis-$round-$pipeline-$test.json"
      echo "round $round P$pipeline $test done" >&2
    done
  done
done

python3 "$ROOT/bench/summarize.py" "$OUT"
