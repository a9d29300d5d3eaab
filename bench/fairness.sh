#!/usr/bin/env bash
# Fairness: GREEDY connections pipeline SETs as fast as they can (PIPELINE in flight each) while one more connection
# sends PINGs one at a time; that connection's latency shows how long a greedy connection keeps a thread from the
# others. Kv and redis-server side by side, the same generator (kv-bench) for both, ROUNDS times alternately; medians
# of each measure. The target (issue 12): the PING p99 at most 5 ms, and below Redis's.
#   ROUNDS=3 DURATION=10 [GREEDY=8 PIPELINE=64 DATA_SIZE=32] bench/fairness.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
GREEDY=${GREEDY:-8}
PIPELINE=${PIPELINE:-64}
DATA_SIZE=${DATA_SIZE:-32}
KV_PORT=${KV_PORT_BENCH:-6564}
REDIS_PORT=${REDIS_PORT_BENCH:-6394}
OUT=${OUT:-$(mktemp -d)}

ensure_redis
build
echo "results in $OUT" >&2
measure() {
  local proto=$1 port=$2 name=$3
  kv_bench --proto "$proto" -p "$port" -t set -c "$GREEDY" -P "$PIPELINE" -d "$DATA_SIZE" --duration $((DURATION + 2)) --warmup 0 --json >"$OUT/$name-greedy.json" &
  local greedy=$!
  sleep 1
  kv_bench --proto "$proto" -p "$port" -t ping -c 1 -P 1 --duration "$DURATION" --warmup 0 --json >"$OUT/$name.json"
  wait "$greedy"
}

for round in $(seq "$ROUNDS"); do
  start_kv "$KV_PORT"
  measure kv "$KV_PORT" "kv-$round"
  stop_pid "$KV_PID"
  start_redis "$REDIS_PORT"
  measure resp "$REDIS_PORT" "redis-$round"
  stop_pid "$REDIS_PID"
  echo "round $round done" >&2
done

python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
def rows(name, suffix):
    found = []
    for path in sorted(glob.glob(os.path.join(out, f"{name}-*{suffix}.json"))):
        if suffix == "" and path.endswith("-greedy.json"):
            continue
        found += json.load(open(path))
    return found
fields = [("p50_us", "PING p50 µs"), ("p99_us", "PING p99 µs"), ("p999_us", "PING p99.9 µs"), ("max_us", "PING max µs"), ("ops_per_sec", "PINGs/s")]
print("| measure | Kv | Redis | Kv / Redis | Kv rounds | Redis rounds |")
print("|---|---|---|---|---|---|")
kv, rd = rows("kv", ""), rows("redis", "")
for field, label in fields:
    k, r = [x[field] for x in kv], [x[field] for x in rd]
    print(f"| {label} | {statistics.median(k):,.0f} | {statistics.median(r):,.0f} | {statistics.median(k) / statistics.median(r):.2f} | {' '.join(f'{v:,.0f}' for v in k)} | {' '.join(f'{v:,.0f}' for v in r)} |")
kg, rg = [x["ops_per_sec"] for x in rows("kv", "-greedy")], [x["ops_per_sec"] for x in rows("redis", "-greedy")]
print(f"| greedy SETs/s | {statistics.median(kg):,.0f} | {statistics.median(rg):,.0f} | {statistics.median(kg) / statistics.median(rg):.2f} | {' '.join(f'{v:,.0f}' for v in kg)} | {' '.join(f'{v:,.0f}' for v in rg)} |")
PY
