#!/usr/bin/env bash
# Kv.Client against Kv.Server versus StackExchange.Redis against redis-server, with the same closed loop
# (Kv.Client.Benchmarks: N tasks, SET then GET of 32 bytes on their own key, through ONE client), in the same run:
# each round runs every contender once, in alternating order, each in a fresh process with its own warm-up.
# Prints the medians per contender and the ratios of medians.
#
#   ROUNDS=5 DURATION=4 TASKS="64" bench/client-compare.sh
#   BASELINE=/tmp/kv-client-bench-base bench/client-compare.sh   # adds "kv-base": an older build of
#                                                                  # Kv.Client.Benchmarks (a copy of its bin folder)
#                                                                  # against the same Kv.Server
#   SYSCALLS=1 bench/client-compare.sh   # also counts the client's system calls per operation with perf stat
#                                        # (tracepoints; needs perf and root)
#   PROFILE=1 bench/client-compare.sh    # also samples the client's CPU (perf record -g, with the runtime's perf map
#                                        # for JIT-compiled code) and writes OUT/<run>.profile.txt, the top symbols
#   CONTENDERS="kv redis" NO_BUILD=1 OUT=dir
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-4}
WARMUP=${WARMUP:-2}
TASKS=${TASKS:-64}
KV_PORT=${KV_PORT_BENCH:-6602}
REDIS_PORT=${REDIS_PORT_BENCH:-6601}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
export PERF_WINDOW=$(awk -v d="$DURATION" 'BEGIN { print d - 1 }')
CLIENT_DLL="$ROOT/Kv.Client.Benchmarks/bin/Release/net10.0/Kv.Client.Benchmarks.dll"
CONTENDERS=${CONTENDERS:-"kv${BASELINE:+ kv-base} redis"}
SYSCALL_EVENTS="syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write,syscalls:sys_enter_writev,\
syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg,syscalls:sys_enter_read,syscalls:sys_enter_readv,\
syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,\
raw_syscalls:sys_enter,context-switches"

ensure_redis
if [ -z "${NO_BUILD:-}" ]; then
  dotnet build "$ROOT/Kv.Server/Kv.Server.csproj" -c Release -v quiet -nologo >/dev/null
  dotnet build "$ROOT/Kv.Client.Benchmarks/Kv.Client.Benchmarks.csproj" -c Release -v quiet -nologo >/dev/null
fi
start_kv "$KV_PORT"
start_redis "$REDIS_PORT"
echo "Kv.Server pid $KV_PID on $KV_PORT, redis-server $(redis-server --version | awk '{print $3}') pid $REDIS_PID on $REDIS_PORT; results in $OUT" >&2

run_one() { # contender tasks round
  local who=$1 tasks=$2 round=$3 dll=$CLIENT_DLL kind=kv port=$KV_PORT
  case $who in
    kv-base) dll="$BASELINE/Kv.Client.Benchmarks.dll" ;;
    redis) kind=redis; port=$REDIS_PORT ;;
  esac
  local out="$OUT/$who-$tasks-$round"
  DOTNET_PerfMapEnabled=${PROFILE:+1} DOTNET_EnableWriteXorExecute=${PROFILE:+0} dotnet "$dll" "$kind" "127.0.0.1:$port" "$tasks" "$DURATION" "$WARMUP" >"$out.txt" 2>"$out.err" &
  local pid=$!
  if [ -n "${PROFILE:-}" ]; then
    for _ in $(seq 600); do grep -q '^measuring' "$out.err" 2>/dev/null && break; sleep 0.05; done
    sleep 0.5
    perf record -F 2999 -g -p "$pid" -o "$out.perf.data" -- sleep "$PERF_WINDOW" >/dev/null 2>&1 || true
    perf report -i "$out.perf.data" --no-children --sort sym --stdio 2>/dev/null | grep -v '^$' | head -150 >"$out.profile.txt" || true
    perf report -i "$out.perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 >"$out.dso.txt" || true
  elif [ -n "${SYSCALLS:-}" ]; then
    # Count over the middle of the measured window: from 0.5 s after it starts, for DURATION - 1 s.
    for _ in $(seq 600); do grep -q '^measuring' "$out.err" 2>/dev/null && break; sleep 0.05; done
    sleep 0.5
    perf stat -x, -e "$SYSCALL_EVENTS" -p "$pid" -- sleep "$PERF_WINDOW" 2>"$out.perf" >/dev/null || true
  fi
  wait "$pid" || { cat "$out.err" >&2; return 1; }
  grep -v RESULT "$out.txt" | sed -e "s/^[a-z]* */round $round $who: /" >&2
}

for round in $(seq "$ROUNDS"); do
  for tasks in $TASKS; do
    order=($CONTENDERS)
    if [ $((round % 2)) -eq 0 ]; then
      order=($(printf '%s\n' "${order[@]}" | tac))
    fi
    for who in "${order[@]}"; do
      run_one "$who" "$tasks" "$round"
    done
  done
done

python3 - "$OUT" "$CONTENDERS" <<'PY'
import glob, os, re, statistics, sys
from collections import defaultdict
out, contenders = sys.argv[1], sys.argv[2].split()
rows = defaultdict(list)
for path in glob.glob(os.path.join(out, "*.txt")):
    who, tasks, _ = os.path.basename(path)[:-4].rsplit("-", 2)
    line = next((l for l in open(path) if l.startswith("RESULT")), None)
    if line is None:
        continue
    r = {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", line)}
    perf = path[:-4] + ".perf"
    if os.path.exists(perf):
        counts = {}
        for l in open(perf):
            parts = l.strip().split(",")
            if len(parts) > 2 and parts[0].replace(".", "").isdigit():
                counts[parts[2].replace("raw_syscalls:sys_enter", "all").split(":")[-1].replace("sys_enter_", "")] = float(parts[0])
        ops = r["ops_per_sec"] * float(os.environ["PERF_WINDOW"])
        r["sys"] = {k: v / ops for k, v in counts.items()}
    rows[(who, int(tasks))].append(r)

def med(rs, f):
    return statistics.median(r[f] for r in rs)

print("| tasks | client | ops/s (median) | client CPU µs/op | alloc B/op | work items/op | lock contentions/op | rounds | ops/s of each round |")
print("|---|---|---|---|---|---|---|---|---|")
for tasks in sorted({t for _, t in rows}):
    for who in contenders:
        rs = rows.get((who, tasks))
        if not rs:
            continue
        each = " ".join(f"{r['ops_per_sec'] / 1000:.0f}k" for r in rs)
        print(f"| {tasks} | {who} | {med(rs, 'ops_per_sec'):,.0f} | {med(rs, 'cpu_us_per_op'):.2f} | {med(rs, 'alloc_b_per_op'):.1f} | "
              f"{med(rs, 'work_items_per_op'):.2f} | {med(rs, 'contentions_per_op'):.4f} | {len(rs)} | {each} |")
print()
for tasks in sorted({t for _, t in rows}):
    base = rows.get(("redis", tasks))
    for who in contenders:
        rs = rows.get((who, tasks))
        if not rs:
            continue
        if base and who != "redis":
            print(f"tasks={tasks}: {who}/redis ops/s ratio of medians {med(rs, 'ops_per_sec') / med(base, 'ops_per_sec'):.3f}, "
                  f"CPU/op ratio {med(rs, 'cpu_us_per_op') / med(base, 'cpu_us_per_op'):.3f}")
        if who == "kv" and rows.get(("kv-base", tasks)):
            b = rows[("kv-base", tasks)]
            print(f"tasks={tasks}: kv/kv-base ops/s ratio of medians {med(rs, 'ops_per_sec') / med(b, 'ops_per_sec'):.3f}, "
                  f"CPU/op ratio {med(rs, 'cpu_us_per_op') / med(b, 'cpu_us_per_op'):.3f}")
syscall_rows = [(k, rs) for k, rs in rows.items() if all("sys" in r for r in rs)]
if syscall_rows:
    print()
    names = ["sendto", "sendmsg", "write", "writev", "recvfrom", "recvmsg", "read", "readv", "epoll_wait", "epoll_pwait", "futex", "sched_yield", "all", "context-switches"]
    print("client system calls per operation (medians): | tasks | client | " + " | ".join(names) + " |")
    for (who, tasks), rs in sorted(syscall_rows, key=lambda kv: (kv[0][1], contenders.index(kv[0][0]))):
        vals = [statistics.median(r["sys"].get(n, float("nan")) for r in rs) for n in names]
        print(f"| {tasks} | {who} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
PY
