#!/usr/bin/env bash
# The README's install path, followed as a newcomer would: pack every package into a folder, install the three tools
# from it into a tool path, and use them for real (the server started by its command name, kv talking to it, kv-bench
# measuring it). Bounded in time; removes what it made. Exit 0 when everything worked.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "--> $*"; }

step "dotnet pack Kv.sln -c Release -o $work/nupkgs"
timeout 600 dotnet pack Kv.sln -c Release -o "$work/nupkgs" -v quiet -nologo >/dev/null
for package in Kv.Protocol Kv.Storage Kv.Client Kv.Server Kv.Cli Kv.Bench; do
  ls "$work/nupkgs/$package".*.nupkg >/dev/null || { echo "missing package $package"; exit 1; }
  # The listing is read whole: `grep -q` would stop reading at the match, and under pipefail unzip's SIGPIPE failed the check.
  unzip -l "$work/nupkgs/$package".*.nupkg >"$work/listing"
  grep -q ' README.md$' "$work/listing" || { echo "$package has no README"; exit 1; }
done

for package in Kv.Server Kv.Cli Kv.Bench; do
  step "dotnet tool install --tool-path $work/tools --add-source $work/nupkgs $package"
  timeout 300 dotnet tool install --tool-path "$work/tools" --add-source "$work/nupkgs" "$package" >/dev/null
done

export PATH="$work/tools:$PATH"
for tool in kv-server kv kv-bench; do
  "$tool" --help >"$work/help"
  grep -q "$tool \[" "$work/help" || { echo "$tool --help does not name $tool"; exit 1; }
done

step "kv-server --port 0, then kv and kv-bench against it"
kv-server --port 0 --log-level Warning >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 300); do
  grep -q "ready on" "$work/server.out" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err"; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^Kv server ready on 127\.0\.0\.1:\([0-9]*\),.*$/\1/p' "$work/server.out")
[ -n "$port" ] || { echo "no ready line"; exit 1; }
[ "$(kv --port "$port" set installed yes)" = "OK" ]
[ "$(kv --port "$port" get installed)" = "yes" ]
kv-bench -p "$port" -n 2000 -c 4 --warmup 0 -t set,get --verify >/dev/null
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=""
echo "install check: packed, installed, and ran kv-server, kv and kv-bench"
