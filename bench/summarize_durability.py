#!/usr/bin/env python3
"""Medians of bench/durability.sh's kv-bench JSON results per (server, fsync policy), and Kv/Redis ratios, as Markdown."""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict

results = defaultdict(list)
by_round = defaultdict(dict)
for path in glob.glob(os.path.join(sys.argv[1], "*.json")):
    server, round_, policy = os.path.basename(path)[:-5].split("-")
    for r in json.load(open(path)):
        results[(server, policy)].append(r)
        by_round[(policy, round_)][server] = r["ops_per_sec"]

def paired(policy):
    """Median of the per-round Kv/Redis ratios: each pair ran back to back, so it is less exposed to a busy machine."""
    ratios = [v["kv"] / v["redis"] for (p, _), v in by_round.items() if p == policy and "kv" in v and "redis" in v]
    return f"{statistics.median(ratios):.2f} ({', '.join(f'{x:.2f}' for x in sorted(ratios))})" if ratios else ""

def median(rows, field):
    values = [r[field] for r in rows if r.get(field) is not None]
    return statistics.median(values) if values else float("nan")

def spread(rows):
    values = sorted(r["ops_per_sec"] for r in rows)
    return f"{values[0]:,.0f}-{values[-1]:,.0f}" if values else ""

print("| fsync | Kv ops/s (median) | Redis ops/s (median) | ratio of medians | paired ratio: median (each round) | Kv range | Redis range | Kv p99 µs | Redis p99 µs | Kv server µs/op | Redis server µs/op | errors (Kv · Redis) | rounds |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for policy in ("always", "everysec", "no"):
    kv, rd = results.get(("kv", policy), []), results.get(("redis", policy), [])
    if not kv:
        continue
    kv_ops, rd_ops = median(kv, "ops_per_sec"), median(rd, "ops_per_sec")
    print(f"| {policy} | {kv_ops:,.0f} | {rd_ops:,.0f} | {kv_ops / rd_ops:.2f} | {paired(policy)} | {spread(kv)} | {spread(rd)} | "
          f"{median(kv, 'p99_us'):,.0f} | {median(rd, 'p99_us'):,.0f} | "
          f"{median(kv, 'server_cpu_us_per_op'):.2f} | {median(rd, 'server_cpu_us_per_op'):.2f} | "
          f"{sum(r['errors'] for r in kv)} · {sum(r['errors'] for r in rd)} | {len(kv)} |")
