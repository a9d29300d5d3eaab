#!/usr/bin/env bash
# Kv.Server and redis-server over TLS, side by side with the same load generator (kv-bench --tls), and the same servers
# in plain text in the same run for the ratios the issue compares (issue 15: over TLS, at least the plain-text ratios:
# level at pipeline 1, 1.3x at 16). A throwaway CA and a server certificate for 127.0.0.1 are made with openssl. Kv
# serves TLS on --tls-port (on its event loops, or the runtime's sockets with KV_TRANSPORT_BENCH=sockets) beside its plain port; Redis on --tls-port with --port for plain.
#   ROUNDS=3 DURATION=4 bench/tls.sh
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-4}
CONNECTIONS=${CONNECTIONS:-50}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-"set get"}
VALUE_SIZE=${VALUE_SIZE:-32}
KEYSPACE=${KEYSPACE:-100000}
KV_PORT=${KV_PORT_BENCH:-6569}; KV_TLS=${KV_TLS_PORT_BENCH:-6570}
REDIS_PORT=${REDIS_PORT_BENCH:-6399}; REDIS_TLS=${REDIS_TLS_PORT_BENCH:-6400}

ensure_redis
command -v openssl >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
[ "${SKIP_BUILD:-0}" = 1 ] || build

CERTS=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout "$CERTS/ca.key" -out "$CERTS/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$CERTS/server.key" -out "$CERTS/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$CERTS/ext"
openssl x509 -req -in "$CERTS/server.csr" -CA "$CERTS/ca.pem" -CAkey "$CERTS/ca.key" -CAcreateserial -days 2 \
  -extfile "$CERTS/ext" -out "$CERTS/server.pem" 2>/dev/null

start_kv "$KV_PORT" --transport "${KV_TRANSPORT_BENCH:-epoll}" --tls-port "$KV_TLS" --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"
start_redis "$REDIS_PORT" --tls-port "$REDIS_TLS" --tls-cert-file "$CERTS/server.pem" --tls-key-file "$CERTS/server.key" \
  --tls-ca-cert-file "$CERTS/ca.pem" --tls-auth-clients no
tls=(--tls --tls-ca "$CERTS/ca.pem")
common=(-c "$CONNECTIONS" -d "$VALUE_SIZE" -r "$KEYSPACE" --duration "$DURATION" --warmup 1 --json)
kv_bench --proto kv -p "$KV_PORT" -t set -n "$KEYSPACE" -r "$KEYSPACE" --sequential --warmup 0 -P 16 >/dev/null
kv_bench --proto resp -p "$REDIS_PORT" -t set -n "$KEYSPACE" -r "$KEYSPACE" --sequential --warmup 0 -P 16 >/dev/null

RESULTS=$(mktemp)
record() { python3 -c 'import json,sys; r=json.loads(sys.stdin.read())[0]; print(sys.argv[1], r["test"].lower(), sys.argv[2], round(r["ops_per_sec"]))' "$1" "$2" >>"$RESULTS"; }
for round in $(seq "$ROUNDS"); do
  for pipeline in $PIPELINES; do
    for test in $TESTS; do
      kv_bench --proto kv -p "$KV_TLS" "${tls[@]}" -t "$test" -P "$pipeline" "${common[@]}" | record kv-tls "$pipeline"
      kv_bench --proto resp -p "$REDIS_TLS" "${tls[@]}" -t "$test" -P "$pipeline" "${common[@]}" | record redis-tls "$pipeline"
      kv_bench --proto kv -p "$KV_PORT" -t "$test" -P "$pipeline" "${common[@]}" | record kv-plain "$pipeline"
      kv_bench --proto resp -p "$REDIS_PORT" -t "$test" -P "$pipeline" "${common[@]}" | record redis-plain "$pipeline"
    done
  done
  echo "round $round done" >&2
done

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for name, test, p, ops in rows:
    med.setdefault((name, test, p), []).append(int(ops))
print("| test | pipeline | Kv TLS ops/s | Redis TLS ops/s | TLS ratio | Kv plain ops/s | Redis plain ops/s | plain ratio |")
print("|---|---|---|---|---|---|---|---|")
for test, p in sorted({(r[1], r[2]) for r in rows}, key=lambda x: (int(x[1]), x[0])):
    m = {n: statistics.median(med[(n, test, p)]) for n in ("kv-tls", "redis-tls", "kv-plain", "redis-plain")}
    print(f"| {test.upper()} | {p} | {m['kv-tls']:,.0f} | {m['redis-tls']:,.0f} | {m['kv-tls'] / m['redis-tls']:.2f} | {m['kv-plain']:,.0f} | {m['redis-plain']:,.0f} | {m['kv-plain'] / m['redis-plain']:.2f} |")
PY
