#!/usr/bin/env bash
# The CI smoke run: build and instrument once; replay the seeds and the committed corpus (fuzz/corpus) through every
# harness (the regression check: each saved input, crashes found earlier included, must pass); then fuzz each
# harness for 12 seconds, each run capped at 17 (about a minute of fuzzing in all).
# Exits 1 if any harness finds a crash. KV_FUZZ_OUT moves the output (default fuzz/out).
# The body is one function, read whole before it runs: editing this file during a long run cannot break that run.
main() {
  set -uo pipefail
  cd "$(dirname "$0")/.."
  seconds=${KV_FUZZ_SMOKE_SECONDS:-12}

  bash fuzz/build.sh || exit 1
  out=${KV_FUZZ_OUT:-fuzz/out}
  status=0
  for harness in commands responses connection auth-connection; do
    dirs=("$out/corpus")
    [ -d "fuzz/corpus/$harness" ] && dirs+=("fuzz/corpus/$harness")
    nice -n 19 dotnet "$out/bin/Kv.Fuzz.dll" "$harness" "${dirs[@]}" || status=1
  done
  for harness in commands responses connection auth-connection; do
    bash fuzz/run.sh "$harness" "$seconds" --no-build || status=1
  done
  exit "$status"
}

main "$@"
