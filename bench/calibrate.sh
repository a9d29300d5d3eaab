#!/usr/bin/env bash
# Is kv-bench the bottleneck? Drives the same redis-server with redis-benchmark (C, from Debian) and with kv-bench
# (--proto resp), alternately, same workload, and prints both rates and kv-bench's own CPU per request.
#   ROUNDS=3 PIPELINES="1 16" bench/calibrate.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
PIPELINES=${PIPELINES:-"1 16"}
REDIS_PORT=${REDIS_PORT_BENCH:-6392}
REQUESTS=${REQUESTS:-300000}

ensure_redis
build
start_redis "$REDIS_PORT"
echo "| round | pipeline | test | redis-benchmark ops/s | kv-bench ops/s | kv-bench CPU µs/op |"
echo "|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    for test in set get; do
      rb=$(redis-benchmark -p "$REDIS_PORT" -c 50 -n "$REQUESTS" -r 100000 -d 32 -P "$pipeline" -t "$test" -q --csv | tail -n 1 | cut -d, -f2 | tr -d '"')
      kb=$(kv_bench --proto resp -p "$REDIS_PORT" -c 50 -n "$REQUESTS" -r 100000 -d 32 -P "$pipeline" -t "$test" --warmup 0 --csv | tail -n 1)
      echo "| $round | $pipeline | $test | $rb | $(echo "$kb" | cut -d, -f7) | $(echo "$kb" | cut -d, -f15) |"
    done
  done
done
