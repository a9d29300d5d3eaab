#!/usr/bin/env bash
# Bytes the server allocates per request in steady state: Kv.Server under kv-bench load, its allocation rate read
# by dotnet-counters (the runtime's own dotnet.gc.heap.total_allocated counter) over the middle of the run,
# divided by the request rate.   TESTS="set get" PIPELINE=1 bench/allocations.sh
source "$(dirname "$0")/common.sh"
TESTS=${TESTS:-"set get"}
PIPELINE=${PIPELINE:-1}
KV_PORT=${KV_PORT_BENCH:-6562}
TOOLS=${TOOLS:-$ROOT/bench/.tools}

[ -x "$TOOLS/dotnet-counters" ] || dotnet tool install --tool-path "$TOOLS" dotnet-counters >/dev/null
build
start_kv "$KV_PORT"
kv_bench -p "$KV_PORT" -t set,get -n 200000 --warmup 1 >/dev/null   # JIT, pools and the keyspace warmed up

for test in $TESTS; do
  csv=$(mktemp -u).csv
  kv_bench -p "$KV_PORT" -t "$test" -P "$PIPELINE" --duration 8 --warmup 1 --json > "$csv.bench" &
  bench_pid=$!
  sleep 3
  timeout 6 "$TOOLS/dotnet-counters" collect -p "$KV_PID" --counters System.Runtime --format csv -o "$csv" --refresh-interval 1 >/dev/null 2>&1 || true
  wait "$bench_pid"
  rate=$(grep 'total_allocated' "$csv" | awk -F, 'NR > 1 { sum += $NF; n++ } END { if (n) printf "%.0f", sum / n; else print "nan" }')
  ops=$(grep -o '"ops_per_sec": [0-9.]*' "$csv.bench" | awk '{ printf "%.0f", $2 }')
  echo "$test P$PIPELINE: $ops requests/s, server allocating $rate B/s: $(awk -v r="$rate" -v o="$ops" 'BEGIN { printf "%.2f", r / o }') B/request"
done
