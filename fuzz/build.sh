#!/usr/bin/env bash
# Prepares fuzzing: installs AFL++ (Debian's afl++) if it is missing, restores the sharpfuzz tool, publishes Kv.Fuzz,
# instruments the published Kv.Protocol.dll and Kv.Server.dll (never the test build), and writes the seed corpus from
# the hex examples of docs/protocol.md. Output: fuzz/out/bin (the instrumented program) and fuzz/out/corpus
# (KV_FUZZ_OUT=DIR puts them elsewhere, so that a long run is not disturbed by another build).
# The body is one function, read whole before it runs: editing this file during a long run cannot break that run.
main() {
  set -euo pipefail
  cd "$(dirname "$0")/.."
  out=${KV_FUZZ_OUT:-fuzz/out}

  if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "==> installing afl++"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq afl++ >/dev/null
  fi

  echo "==> dotnet tool restore"
  dotnet tool restore >/dev/null

  echo "==> publishing Kv.Fuzz"
  rm -rf "$out/bin" "$out/corpus"
  dotnet publish Kv.Fuzz/Kv.Fuzz.csproj -c Release -o "$out/bin" --nologo -v quiet

  echo "==> instrumenting Kv.Protocol.dll and Kv.Server.dll"
  for assembly in Kv.Protocol.dll Kv.Server.dll; do
    dotnet sharpfuzz "$out/bin/$assembly"
  done

  dotnet "$out/bin/Kv.Fuzz.dll" seeds docs/protocol.md "$out/corpus"
}

main "$@"
