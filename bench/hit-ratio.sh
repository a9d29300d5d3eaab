#!/usr/bin/env bash
# Hit ratio under a memory limit (issue 14): the same cache traces replayed by kv-bench's cache test (a GET per trace
# operation, and a SET of VALUE_SIZE bytes for each miss: cache-aside) against a fresh redis-server with maxmemory LIMIT
# under each of REDIS_POLICIES, and a fresh Kv.Server with --max-memory LIMIT under each of KV_POLICIES. Every run starts
# empty; the first WARMUP_OPS GETs fill the cache unmeasured, then OPS GETs are measured. Prints a Markdown table.
#   LIMIT=64mb KEYS=3000000 OPS=5000000 VALUE_SIZE=100 bench/hit-ratio.sh
#   KV_POLICIES=noeviction REDIS_POLICIES=allkeys-lru OPS=200000 bench/hit-ratio.sh    # a quick check
# Traces (TRACES): zipf, Zipf s=ZIPF (0.99) over KEYS keys; scan, the same with SCAN_FRACTION (0.2) of the operations
# in one-off scans of SCAN_LENGTH (1000) new consecutive keys, as in the S3-FIFO and SIEVE papers' scan-resistance tests.
# KEYS defaults to ten times the keys Redis holds in LIMIT at 100-byte values: 206 bytes a key, from memory-limit.sh
# (1,300,106 keys in 256 MiB), so 3,250,000 for 64mb.
# KV_POLICIES: values of kv-server's --eviction; "default" runs it without the option. A build without --eviction runs
# "noeviction" without the option (what it does anyway) and skips the other policies, saying so on standard error.
# SKIP_BUILD=1 uses the Release binaries as they are.
source "$(dirname "$0")/common.sh"
LIMIT=${LIMIT:-64mb}
# KV_LIMITS: Kv's --max-memory values, each run under every policy (default: LIMIT). A smaller one shows the hit ratio at
# the RSS Redis has at LIMIT, since Kv's runtime takes ~40 MiB of its own beyond the store.
KV_LIMITS=${KV_LIMITS:-$LIMIT}
VALUE_SIZE=${VALUE_SIZE:-100}
OPS=${OPS:-5000000}
WARMUP_OPS=${WARMUP_OPS:-$OPS}
ZIPF=${ZIPF:-0.99}
SCAN_FRACTION=${SCAN_FRACTION:-0.2}
SCAN_LENGTH=${SCAN_LENGTH:-1000}
CONNECTIONS=${CONNECTIONS:-8}
PIPELINE=${PIPELINE:-16}
SEED=${SEED:-1}
TRACES=${TRACES:-"zipf scan"}
REDIS_POLICIES=${REDIS_POLICIES-"allkeys-lru allkeys-lfu"}
KV_POLICIES=${KV_POLICIES-"s3fifo allkeys-lru"}
KV_PORT=${KV_PORT_BENCH:-6566}
REDIS_PORT=${REDIS_PORT_BENCH:-6396}

limit_bytes=$(python3 -c '
import sys
text = sys.argv[1].strip().lower()
units = {"": 1, "b": 1, "k": 1000, "kb": 1024, "kib": 1024, "m": 1000**2, "mb": 1024**2, "mib": 1024**2, "g": 1000**3, "gb": 1024**3, "gib": 1024**3}
digits = len(text) - len(text.lstrip("0123456789"))
if digits == 0 or text[digits:] not in units: sys.exit(f"LIMIT must be a size such as 64mb, not {sys.argv[1]!r}")
print(int(text[:digits]) * units[text[digits:]])' "$LIMIT")
KEYS=${KEYS:-$(( limit_bytes * 10 / 206 / 10000 * 10000 ))}

ensure_redis
[ "${SKIP_BUILD:-0}" = 1 ] || build
kv_has_eviction=0
dotnet "$SERVER_DLL" --help 2>/dev/null | grep -q -- '--eviction' && kv_has_eviction=1

# trace_args TRACE: kv-bench's key options for a trace.
trace_args() {
  case "$1" in
    zipf) echo "--distribution zipf --zipf $ZIPF" ;;
    scan) echo "--distribution zipf --zipf $ZIPF --scan-fraction $SCAN_FRACTION --scan-length $SCAN_LENGTH" ;;
    *) echo "unknown trace '$1' (zipf or scan)" >&2; return 1 ;;
  esac
}

# replay PROTO PORT TRACE: the trace against a running server; kv-bench's JSON (empty if it could not run). Exit code 1
# (some requests failed) is expected: a server under noeviction refuses fills once full, and the JSON counts them.
replay() {
  local args
  args=$(trace_args "$3") || return 1
  # shellcheck disable=SC2086
  kv_bench --proto "$1" -p "$2" -t cache -c "$CONNECTIONS" -P "$PIPELINE" -d "$VALUE_SIZE" -r "$KEYS" $args --seed "$SEED" \
    -n "$OPS" --warmup-requests "$WARMUP_OPS" --json || true
}

# row SERVER POLICY TRACE KEYS_HELD RSS_KIB JSON
row() {
  python3 - "$@" <<'PY'
import json, sys
server, limit, policy, trace, held, rss_kib, result = sys.argv[1:8]
try:
    r = json.loads(result)[0]
except (ValueError, IndexError):
    print(f"| {server} | {limit} | {policy} | {trace} | {held} | failed (see standard error) | | {int(rss_kib) / 1024:,.0f} MiB | |")
    sys.exit(0)
held = f"{int(held):,}" if held.isdigit() else held
print(f"| {server} | {limit} | {policy} | {trace} | {held} | {r['hit_ratio']:.4f} | {r['fill_errors']:,} | {int(rss_kib) / 1024:,.0f} MiB | {r['gets_per_sec']:,.0f} |")
PY
}

redis_version=$(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-)
echo "Limit $LIMIT, $KEYS keys, $VALUE_SIZE-byte values, $OPS GETs measured after $WARMUP_OPS unmeasured, $CONNECTIONS connections, pipeline $PIPELINE, seed $SEED; zipf $ZIPF; scan: $SCAN_FRACTION of operations in scans of $SCAN_LENGTH keys."
echo
echo "| server | limit | policy | trace | keys held at the end | hit ratio | fills refused | RSS at the end | GETs/s |"
echo "|---|---|---|---|---|---|---|---|---|"
for trace in $TRACES; do
  trace_args "$trace" >/dev/null
  for policy in $REDIS_POLICIES; do
    start_redis "$REDIS_PORT" --maxmemory "$LIMIT" --maxmemory-policy "$policy"
    result=$(replay resp "$REDIS_PORT" "$trace")
    sleep 1
    held=$(redis-cli -p "$REDIS_PORT" dbsize 2>/dev/null || echo "n/a")
    row "redis-server $redis_version" "$LIMIT" "$policy" "$trace" "$held" "$(rss_kib "$REDIS_PID")" "$result"
    stop_pid "$REDIS_PID"
  done

  for kv_limit in $KV_LIMITS; do
  for policy in $KV_POLICIES; do
    eviction=()
    if [ "$policy" != default ]; then
      if [ "$kv_has_eviction" = 1 ]; then
        eviction=(--eviction "$policy")
      elif [ "$policy" != noeviction ]; then
        echo "hit-ratio.sh: this kv-server has no --eviction option: skipping the $policy runs" >&2
        continue
      fi
    fi

    start_kv "$KV_PORT" --max-memory "$kv_limit" "${eviction[@]}"
    result=$(replay kv "$KV_PORT" "$trace")
    sleep 1
    # Kv does not expose its key count.
    row "Kv.Server" "$kv_limit" "$policy" "$trace" "n/a" "$(rss_kib "$KV_PID")" "$result"
    stop_pid "$KV_PID"
  done
  done
done
