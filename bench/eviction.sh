#!/usr/bin/env bash
# Throughput with eviction running (issue 14: within 10% of the unlimited figures). Each server is first filled with
# KEYS sequential keys (unmeasured), far past LIMIT, then measured with random SETs and GETs over the same keyspace: under
# the limit every SET of an evicted key makes the store evict, and a GET of one misses. The same load runs against an
# unlimited server, side by side in each round; then redis-server unlimited and at maxmemory LIMIT (allkeys-lru) for
# reference. Prints each round and the medians.
#   ROUNDS=3 LIMIT=64mb KEYS=2000000 bench/eviction.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
LIMIT=${LIMIT:-64mb}
KEYS=${KEYS:-2000000}
REQUESTS=${REQUESTS:-3000000}
VALUE_SIZE=${VALUE_SIZE:-100}
POLICY=${POLICY:-s3fifo}
KV_PORT=${KV_PORT_BENCH:-6567}
REDIS_PORT=${REDIS_PORT_BENCH:-6397}

ensure_redis
[ "${SKIP_BUILD:-0}" = 1 ] || build
fill() { kv_bench --proto "$1" -p "$2" -t set -n "$KEYS" -r "$KEYS" --sequential -P 16 -c 50 -d "$VALUE_SIZE" --warmup 0 >/dev/null || true; }
load() { kv_bench --proto "$1" -p "$2" -t set,get -n "$REQUESTS" -r "$KEYS" -P 16 -c 50 -d "$VALUE_SIZE" --json; }

RESULTS=$(mktemp)
# run NAME PROTO PORT: fills and measures the server started last, appending "NAME test ops/s misses rss" lines.
run() {
  local name=$1 proto=$2 port=$3 pid=$4 json
  fill "$proto" "$port"
  json=$(load "$proto" "$port")
  python3 - "$name" "$json" "$(rss_kib "$pid")" >>"$RESULTS" <<'PY'
import json, sys
name, results, rss = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
for r in results:
    print(name, r["test"].lower(), round(r["ops_per_sec"]), r.get("misses", 0), rss)
PY
}

for round in $(seq "$ROUNDS"); do
  start_kv "$KV_PORT" --max-memory 0; run "kv-unlimited" kv "$KV_PORT" "$KV_PID"; stop_pid "$KV_PID"
  start_kv "$KV_PORT" --max-memory "$LIMIT" --eviction "$POLICY"; run "kv-$POLICY-$LIMIT" kv "$KV_PORT" "$KV_PID"; stop_pid "$KV_PID"
  start_redis "$REDIS_PORT"; run "redis-unlimited" resp "$REDIS_PORT" "$REDIS_PID"; stop_pid "$REDIS_PID"
  start_redis "$REDIS_PORT" --maxmemory "$LIMIT" --maxmemory-policy allkeys-lru; run "redis-allkeys-lru-$LIMIT" resp "$REDIS_PORT" "$REDIS_PID"; stop_pid "$REDIS_PID"
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
names = list(dict.fromkeys(r[0] for r in rows))
print("| server | test | ops/s per round | median ops/s | misses (last round) | RSS (last round) |")
print("|---|---|---|---|---|---|")
medians = {}
for name in names:
    for test in ("set", "get"):
        runs = [r for r in rows if r[0] == name and r[1] == test]
        if not runs: continue
        median = statistics.median(int(r[2]) for r in runs)
        medians[(name, test)] = median
        print(f"| {name} | {test.upper()} | {', '.join(f'{int(r[2]):,}' for r in runs)} | {median:,.0f} | {int(runs[-1][3]):,} | {int(runs[-1][4]) / 1024:,.0f} MiB |")
print()
for prefix in ("kv", "redis"):
    unlimited = [n for n in names if n.startswith(prefix) and "unlimited" in n]
    limited = [n for n in names if n.startswith(prefix) and "unlimited" not in n]
    for test in ("set", "get"):
        if unlimited and limited:
            print(f"{prefix} {test.upper()}: limited / unlimited = {medians[(limited[0], test)] / medians[(unlimited[0], test)]:.2f}")
PY
