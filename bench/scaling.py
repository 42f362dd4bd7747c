#!/usr/bin/env python3
"""Times moe-plan end to end (import, lowering, interpretation, report) as
the model grows in layers and in experts, and writes bench/results/scaling.md.

Usage: bench/scaling.py [BUILD_DIR]   (default: build)
Each point is the best of 5 runs of one plan on ascend-910b:8 at seq 4096,
global batch 64, micro-batch 1, so that the schedule (8 micro-batches) and
the cluster stay fixed while the model changes.
"""

import json
import os
import subprocess
import tempfile
import time

from common import MOE_PLAN, ROOT

BASE = json.load(open(os.path.join(ROOT, "data", "models", "deepseek-v3.json")))


def config(layers, experts):
    c = dict(BASE)
    c["num_hidden_layers"] = layers
    c["first_k_dense_replace"] = min(3, layers - 1)
    c["n_routed_experts"] = experts
    c["num_experts_per_tok"] = min(8, experts)
    return c


def best_time(path, runs=5):
    args = [MOE_PLAN, path, "--cluster=ascend-910b:8", "--seq=4096",
            "--global-batch=64", "--micro-batch=1", "--format=json"]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(args, check=True, capture_output=True).stdout
        best = min(best, time.perf_counter() - start)
    return best, json.loads(out)


def main():
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for layers, experts in [(4, 256), (16, 256), (61, 256), (122, 256),
                                (61, 16), (61, 64), (61, 1024)]:
            path = os.path.join(tmp, f"m{layers}-{experts}.json")
            json.dump(config(layers, experts), open(path, "w"))
            seconds, report = best_time(path)
            rows.append((layers, experts, report["model"]["total_params"] / 1e9,
                         seconds))
            print(f"layers {layers:4d} experts {experts:5d}: {seconds * 1e3:8.1f} ms",
                  flush=True)
    out = os.path.join(ROOT, "bench", "results", "scaling.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write("# moe-plan time as the model grows\n\n")
        f.write("`bench/scaling.py`: one plan of a DeepSeek-V3-shaped model on "
                "`ascend-910b:8`, seq 4096, global batch 64, micro-batch 1 "
                "(8 micro-batches per replica); wall time of the whole "
                "`moe-plan` process (import, lowering, simulation, report), "
                "best of 5, on the 2-core development machine.\n\n")
        f.write("| layers | routed experts | parameters | time (ms) |\n")
        f.write("|---:|---:|---:|---:|\n")
        for layers, experts, params, seconds in rows:
            f.write(f"| {layers} | {experts} | {params:.1f} B | {seconds * 1e3:.1f} |\n")
    print(f"wrote {out}")


main()
