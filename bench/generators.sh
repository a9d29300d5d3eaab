#!/usr/bin/env bash
# The load generator's own cost: kv-bench and redis-benchmark, one after the other, ROUNDS times, against the same
# redis-server with the same load (50 connections, pipeline 1, SET then GET, 32-byte values, 100,000 random keys, one
# thread each). Each generator's CPU time (user + system) per request, and the throughput it drove. A generator that
# spends more per request than the server saturates before it does, and then measures itself.
#   ROUNDS=3 REQUESTS=300000 bench/generators.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-300000}
REDIS_PORT=${REDIS_PORT_BENCH:-6394}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

ensure_redis
build
start_redis "$REDIS_PORT"
redis-benchmark -p "$REDIS_PORT" -t set -n 100000 -r 100000 -d 32 -q >/dev/null   # fill the keyspace

printf "round,generator,test,requests_per_second,client_cpu_us_per_request\n" > "$OUT/results.csv"
for round in $(seq "$ROUNDS"); do
  for test in set get; do
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$OUT/time.txt" redis-benchmark -p "$REDIS_PORT" -t "$test" -n "$REQUESTS" -c 50 -P 1 -r 100000 -d 32 --threads 1 -q >"$OUT/rb.txt" 2>&1
    end=$(date +%s.%N)
    rps=$(grep -oE '[0-9.]+ requests per second' "$OUT/rb.txt" | awk '{print $1}')
    cpu=$(awk -v n="$REQUESTS" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$OUT/time.txt")
    echo "$round,redis-benchmark,$test,$rps,$cpu" >> "$OUT/results.csv"

    /usr/bin/time -f "%U %S" -o "$OUT/time.txt" dotnet "$BENCH_DLL" --proto resp -p "$REDIS_PORT" -t "$test" -n "$REQUESTS" -c 50 -P 1 -r 100000 -d 32 --warmup 0 --json >"$OUT/kb.json" 2>&1
    rps=$(grep -o '"ops_per_sec": [0-9.]*' "$OUT/kb.json" | awk '{print $2}')
    # Whole-process CPU, start-up and JIT included, as for redis-benchmark.
    cpu=$(awk -v n="$REQUESTS" '{ printf "%.2f", ($1 + $2) * 1e6 / n }' "$OUT/time.txt")
    echo "$round,kv-bench,$test,$rps,$cpu" >> "$OUT/results.csv"
    echo "round $round $test done" >&2
  done
done

python3 - "$OUT/results.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print("| generator | test | requests/s (median) | generator CPU µs/request (median, whole process) | rounds |")
print("|---|---|---|---|---|")
for gen in ("redis-benchmark", "kv-bench"):
    for test in ("set", "get"):
        sel = [r for r in rows if r["generator"] == gen and r["test"] == test]
        rps = statistics.median(float(r["requests_per_second"]) for r in sel)
        cpu = statistics.median(float(r["client_cpu_us_per_request"]) for r in sel)
        print(f"| {gen} | {test.upper()} | {rps:,.0f} | {cpu:.2f} | {len(sel)} |")
PY
