#!/usr/bin/env bash
# Active expiry (issue 14: after a million keys expire together, their memory is back within 2 seconds, using at most a
# quarter of one core meanwhile). A fresh server gets PERMANENT keys without an expiry, then KEYS keys with a time to
# live of TTL ms (16-byte keys, VALUE_SIZE-byte values, pipeline 16), and nobody reads them again. From the end of the
# fill the server's resident memory and CPU time are sampled every 50 ms (/proc); reported: when the last key's time
# came, how long after it the memory the keys took was back (RSS within 10% of the keys' share above the level before
# them: the RSS has settled), what is left of it, and the server's CPU use from the first key's time to then. Kv.Server and redis-server, side by side.
#   KEYS=1000000 TTL=10000 bench/expiry.sh
source "$(dirname "$0")/common.sh"
KEYS=${KEYS:-1000000}
PERMANENT=${PERMANENT:-1000000}
TTL=${TTL:-10000}
VALUE_SIZE=${VALUE_SIZE:-32}
KV_PORT=${KV_PORT_BENCH:-6568}
REDIS_PORT=${REDIS_PORT_BENCH:-6398}

ensure_redis
[ "${SKIP_BUILD:-0}" = 1 ] || build

# measure NAME PROTO PORT PID
measure() {
  local name=$1 proto=$2 port=$3 pid=$4 before fill_start fill_end
  [ "$PERMANENT" -gt 0 ] && kv_bench --proto "$proto" -p "$port" -t set -n "$PERMANENT" -r "$PERMANENT" --sequential --warmup 0 -P 16 -c 50 -d "$VALUE_SIZE" >/dev/null
  sleep 1
  before=$(rss_kib "$pid")
  fill_start=$(date +%s.%N)
  kv_bench --proto "$proto" -p "$port" -t set -n "$KEYS" -r "$KEYS" --sequential --warmup 0 -P 16 -c 50 -d "$VALUE_SIZE" --ttl "$TTL" \
    --key-offset "$PERMANENT" >/dev/null
  fill_end=$(date +%s.%N)
  python3 - "$name" "$pid" "$before" "$fill_start" "$fill_end" "$TTL" <<'PY'
import os, sys, time
name, pid, before, fill_start, fill_end, ttl = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]) / 1000
ticks = os.sysconf("SC_CLK_TCK")
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1])
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks
first_due, last_due = fill_start + ttl, fill_end + ttl
peak = rss()
while time.time() < first_due: time.sleep(0.01)
cpu_start, t0 = cpu(), time.time()
samples = []
while time.time() < last_due + 15:
    samples.append((time.time(), rss(), cpu()))
    time.sleep(0.05)
# Back: the first sample from which the RSS falls by less than 1 MiB more (it has settled); what is left above the level
# before the keys is reported too (an index grown for them is kept, as Redis keeps its dict's).
after = [s for s in samples if s[0] >= last_due]
back = next((s for i, s in enumerate(after) if all(t[1] > s[1] - 1024 for t in after[i:])), after[-1])
used = back[2] - cpu_start
left = (back[1] - before) / max(1, peak - before)
print(f"| {name} | {(peak - before) / 1024:,.0f} MiB | {fill_end - fill_start:.1f} s | {max(0, back[0] - last_due):.2f} s | {left:.0%} | {used:.2f} s | {used / max(0.05, back[0] - t0):.2f} |")
PY
}

echo "$KEYS keys with a $TTL ms time to live (written over the fill time), beside $PERMANENT keys without one; $VALUE_SIZE-byte values."
echo
echo "| server | memory the expiring keys took | fill time | memory back (RSS settled), after the last key's time | still held then | server CPU from the first key's time until then | cores used |"
echo "|---|---|---|---|---|---|---|"
start_kv "$KV_PORT"; measure Kv.Server kv "$KV_PORT" "$KV_PID"; stop_pid "$KV_PID"
start_redis "$REDIS_PORT"; measure "redis-server" resp "$REDIS_PORT" "$REDIS_PID"; stop_pid "$REDIS_PID"
