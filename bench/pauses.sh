#!/usr/bin/env bash
# Pauses while a store grows: a fresh Kv.Server and a fresh redis-server each filled from 0 to KEYS new keys (16-byte
# keys, VALUE_SIZE-byte values, CONNECTIONS connections, pipeline PIPELINE), one after the other, ROUNDS times
# alternately; every request's latency is recorded (kv-bench), and the medians of p50, p99, p99.9, the highest latency
# and the worst second are compared. Then, as a control, the same server overwrites 1,000 of its keys (STEADY requests,
# no growth): the latencies this machine shows without any store growth, the floor that the fill's figures sit on.
#   ROUNDS=3 KEYS=10000000 PIPELINE=4 bench/pauses.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
KEYS=${KEYS:-10000000}
PIPELINE=${PIPELINE:-4}
CONNECTIONS=${CONNECTIONS:-50}
VALUE_SIZE=${VALUE_SIZE:-32}
STEADY=${STEADY:-3000000}
KV_PORT=${KV_PORT_BENCH:-6563}
REDIS_PORT=${REDIS_PORT_BENCH:-6393}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT/steady"

ensure_redis
build
echo "results in $OUT" >&2
fill() { kv_bench --proto "$1" -p "$2" -t set -n "$KEYS" -r "$KEYS" --sequential --warmup 0 -P "$PIPELINE" -c "$CONNECTIONS" -d "$VALUE_SIZE" --json; }
steady() { kv_bench --proto "$1" -p "$2" -t set -n "$STEADY" -r 1000 --warmup 0 -P "$PIPELINE" -c "$CONNECTIONS" -d "$VALUE_SIZE" --json; }

for round in $(seq "$ROUNDS"); do
  start_kv "$KV_PORT"
  fill kv "$KV_PORT" > "$OUT/kv-$round.json"
  steady kv "$KV_PORT" > "$OUT/steady/kv-$round.json"
  stop_pid "$KV_PID"
  start_redis "$REDIS_PORT"
  fill resp "$REDIS_PORT" > "$OUT/redis-$round.json"
  steady resp "$REDIS_PORT" > "$OUT/steady/redis-$round.json"
  stop_pid "$REDIS_PID"
  echo "round $round done" >&2
done

table() {
python3 - "$1" <<'PY'
import glob, json, os, statistics, sys
rows = {"kv": [], "redis": []}
for path in glob.glob(os.path.join(sys.argv[1], "*.json")):
    rows[os.path.basename(path).split("-")[0]] += json.load(open(path))
fields = [("ops_per_sec", "ops/s", "{:,.0f}"), ("p50_us", "p50 µs", "{:,.0f}"), ("p99_us", "p99 µs", "{:,.0f}"),
          ("p999_us", "p99.9 µs", "{:,.0f}"), ("max_us", "max µs", "{:,.0f}"), ("worst_second_ops", "worst second, responses", "{:,.0f}"),
          ("worst_second_max_us", "worst second, max µs", "{:,.0f}")]
print("| measure | Kv | Redis | Kv / Redis | Kv rounds | Redis rounds |")
print("|---|---|---|---|---|---|")
for field, name, fmt in fields:
    kv = [r[field] for r in rows["kv"] if field in r]
    rd = [r[field] for r in rows["redis"] if field in r]
    if not kv or not rd:
        continue
    k, r = statistics.median(kv), statistics.median(rd)
    print(f"| {name} | {fmt.format(k)} | {fmt.format(r)} | {k / r:.2f} | {' '.join(fmt.format(v) for v in kv)} | {' '.join(fmt.format(v) for v in rd)} |")
PY
}

echo "Filling from 0 to $KEYS keys:"
table "$OUT"
echo
echo "Control, the same servers overwriting 1,000 keys (no growth):"
table "$OUT/steady"
