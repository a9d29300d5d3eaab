#!/usr/bin/env python3
"""Medians of kv-bench JSON results per (server, pipeline, test), and Kv/Redis ratios, as a Markdown table."""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict

results = defaultdict(list)
for path in glob.glob(os.path.join(sys.argv[1], "*.json")):
    server = os.path.basename(path).split("-")[0]
    for r in json.load(open(path)):
        results[(server, r["pipeline"], r["test"])].append(r)

def median(rows, field):
    values = [r[field] for r in rows if r.get(field) is not None]
    return statistics.median(values) if values else float("nan")

print("| test | pipeline | Kv ops/s | Redis ops/s | ratio | Kv p99 µs | Redis p99 µs | Kv server µs/op | Redis server µs/op | kv-bench CPU µs/op (Kv · Redis) | errors (Kv · Redis) | rounds |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (server, pipeline, test) in sorted(k for k in results if k[0] == "kv"):
    kv = results[("kv", pipeline, test)]
    rd = results.get(("redis", pipeline, test), [])
    kv_ops, rd_ops = median(kv, "ops_per_sec"), median(rd, "ops_per_sec")
    print(f"| {test} | {pipeline} | {kv_ops:,.0f} | {rd_ops:,.0f} | {kv_ops / rd_ops:.2f} | {median(kv, 'p99_us'):,.0f} | {median(rd, 'p99_us'):,.0f} | "
          f"{median(kv, 'server_cpu_us_per_op'):.2f} | {median(rd, 'server_cpu_us_per_op'):.2f} | "
          f"{median(kv, 'client_cpu_us_per_op'):.2f} · {median(rd, 'client_cpu_us_per_op'):.2f} | "
          f"{sum(r['errors'] for r in kv)} · {sum(r['errors'] for r in rd)} | {len(kv)} |")
