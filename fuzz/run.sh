#!/usr/bin/env bash
# Usage: fuzz/run.sh HARNESS SECONDS [--no-build]
#   HARNESS: commands (CommandParser), responses (ResponseParser), connection (the server's per-connection loop) or
#   auth-connection (the same with users: the authentication state machine).
# Builds and instruments (fuzz/build.sh, unless --no-build), runs afl-fuzz on the harness for SECONDS under nice -n 19,
# prints executions, paths and crashes from fuzzer_stats, and exits 1 when crashes/ holds any crash (afl-fuzz -V
# itself exits 0 even then). The seeds are the examples of docs/protocol.md plus the committed corpus of earlier runs,
# fuzz/corpus/HARNESS. Findings: fuzz/out/findings/HARNESS; the crashes replay, with the exception, by
#   dotnet fuzz/out/bin/Kv.Fuzz.dll HARNESS fuzz/out/findings/HARNESS/default/crashes
# The body is one function, read whole before it runs: editing this file during a long run cannot break that run.
main() {
  set -euo pipefail
  cd "$(dirname "$0")/.."

  harness=${1:-}
  seconds=${2:-}
  case "$harness" in
    commands|responses|connection|auth-connection) ;;
    *) echo "usage: fuzz/run.sh (commands|responses|connection|auth-connection) SECONDS [--no-build]" >&2; exit 2 ;;
  esac
  if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "SECONDS must be a whole number of seconds, at least 1" >&2
    exit 2
  fi

  out=${KV_FUZZ_OUT:-fuzz/out}
  if [ "${3:-}" != "--no-build" ]; then
    bash fuzz/build.sh
  fi

  seeds="$out/seeds-$harness"
  rm -rf "$seeds"
  mkdir -p "$seeds"
  cp "$out/corpus/"* "$seeds/"
  if [ -d "fuzz/corpus/$harness" ]; then
    cp "fuzz/corpus/$harness/"* "$seeds/"
  fi

  findings="$out/findings/$harness"
  rm -rf "$findings"
  mkdir -p "$out/findings"
  log="$out/findings/$harness.log"

  # dotnet is not an AFL-instrumented binary (SharpFuzz reports coverage itself); no UI, no CPU pinning on a shared
  # machine, and no complaint about a core_pattern that pipes cores to a handler.
  export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

  echo "==> afl-fuzz $harness for ${seconds}s (log: $log)"
  started=$(date +%s)
  # -V stops fuzzing after SECONDS, but only once the seeds are calibrated, which a busy machine can stretch: timeout
  # interrupts afl-fuzz (SIGINT: it saves its stats and exits) 5 seconds later at the latest, so a run is bounded.
  # AFL_FAST_CAL shortens calibration.
  rc=0
  AFL_FAST_CAL=1 timeout --signal=INT --kill-after=10 $((seconds + 5)) \
    nice -n 19 afl-fuzz -i "$seeds" -o "$findings" -V "$seconds" -t 5000 -m none \
    -- dotnet "$out/bin/Kv.Fuzz.dll" "$harness" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || [ ! -f "$findings/default/fuzzer_stats" ]; then
    echo "afl-fuzz failed to run (exit code $rc); the end of its log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  elapsed=$(( $(date +%s) - started ))

  stats="$findings/default/fuzzer_stats"
  stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
  crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  echo "$harness: ${elapsed}s, $(stat execs_done) executions ($(stat execs_per_sec)/s), $(stat corpus_count) paths, $crashes crash(es), $hangs hang(s)"

  if [ "$crashes" -ne 0 ]; then
    echo "$harness: CRASHES in $findings/default/crashes; replay: dotnet $out/bin/Kv.Fuzz.dll $harness $findings/default/crashes" >&2
    exit 1
  fi
}

main "$@"
