#!/usr/bin/env python3
"""The layout search: full evaluations per second (one core and both), and
the wall time of whole searches; and the architecture search over the
paper's model family. Writes bench/results/search.md.

Usage: bench/search.py [BUILD_DIR]   (default: build)
Each rate comes from moe-plan's own count: candidates priced by the
interpreter over the seconds the evaluations took (bounds included, the
process start and the report excluded).
"""

import os
import re
import subprocess
import time

from common import MOE_PLAN, ROOT

MODELS = os.path.join(ROOT, "data", "models")
PANGU = [os.path.join(MODELS, "pangu-ultra-moe-718b.json"), "--cluster=ascend-910b:6144",
         "--seq=4096", "--global-batch=6144"]
DEEPSEEK = [os.path.join(MODELS, "deepseek-v3.json"), "--cluster=h800:2048", "--seq=4096",
            "--global-batch=4096"]
LLAMA = [os.path.join(ROOT, "data", "calibration", "llama-3-70b-seq8192.json"),
         "--cluster=h100-sxm:1024", "--seq=8192", "--global-batch=1024"]

# (name, model and setup, the sub-space the rates are measured on, the
# search whose wall time is recorded)
CASES = [
    ("Pangu Ultra MoE on 6,144 Ascend 910B", PANGU,
     ["--tp=8", "--pp=16", "--vpp=2", "--micro-batch=1"], ["--tp=8", "--pp=16"]),
    ("Pangu Ultra MoE on 6,144 Ascend 910B, the whole space", PANGU, None, []),
    ("DeepSeek-V3 on 2,048 H800", DEEPSEEK,
     ["--tp=1", "--pp=16", "--vpp=1", "--micro-batch=1"], ["--tp=1", "--pp=16"]),
    ("Llama-3-70B on 1,024 H100", LLAMA, ["--tp=4", "--pp=8"], []),
]

# The paper's model family: every shape at its best layout around the
# paper's (TP8 PP16 VPP2, TP-extended EP, hierarchical all-to-all, overlap;
# EP and the memory decisions searched).
ARCH = ["--search-arch", "--threads=2", "--tp=8", "--pp=16", "--vpp=2", "--micro-batch=1",
        "--tp-extend-ep", "--hierarchical-a2a", "--fb-overlap", "--distributed-optimizer",
        "--top=10"]


def arch_search():
    cmd = [MOE_PLAN, *PANGU, *ARCH]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    table = out[out.index("rank  layers"):].rstrip("\n")
    head = out.splitlines()[0]
    return (["", "## Architecture search (the paper's model family, 2 threads)", "",
             f"`build/bin/moe-plan {flags(PANGU)} {flags(ARCH)}`: {head.split(': ', 1)[1]}; "
             f"wall time {wall:.1f} s. The ten fastest shapes and the paper's own (its row says so); "
             "shapes keep the total parameters within 10% of the model's, so fewer active "
             "parameters per token run faster: rank with `--arch-budget=active` to hold those "
             "instead.", "", "```", table, "```"])


# Where one evaluation's time goes, from `perf record --call-graph dwarf`
# on the Pangu sub-space with one thread; kept with the script so each
# re-recording carries it.
PROFILE = """
## Where an evaluation's time goes

`perf record -F 3000 --call-graph dwarf` of the Pangu sub-space `--tp=8 --pp=16 --vpp=2
--micro-batch=2` on one thread (inclusive shares of the run):

| part | share | what |
|---|---:|---|
| moe-select-memory | 31% | its greedy rounds, each splitting the stages again (`StageSplitter::split` 17%) |
| cost interpreter | 22% | the replay of 16 stages × 2 chunks × 64 micro-batches and compiling the programs |
| lowering to `ascend` | 21% | building the per-stage programs as IR (op and attribute creation) |
| `unitWorkOf` | 19% | each unit's kernels and saved tensors, built five times per evaluation (the bounds, moe-select-memory, moe-balance-stages, the report's memory choices, the lowering) with a name string per kernel |
| the bounds | 9% | a copy of the model through moe-shard, and its units' work |
| moe-balance-stages | 5% | pricing the units for the split |

What moved to get here (every prediction unchanged, checked byte for byte on JSON reports and on
search CSVs of 120 to 2,580 candidates): the stage split stops growing a stage once it is slower than
the best split found, and in moe-select-memory's rounds keeps its tables, recomputes only the cells
after the unit that changed and skips cells slower than the last split priced anew; the
interpreter's memory timeline, which nothing read, is gone; collectives find their grid without
building a symbol table; the stage times come from the interpreter's compiled programs instead of a
second walk; its runs are looked up in flat tables; moe-select-memory prices each action on its unit
in place instead of on a copy; the passes' verifier is off in the search. The issue's target (2,000
per second) needs what these shares point at: a unit's work built once per evaluation and shared by
the passes, layers of the same shape and sharding priced once, and the programs compiled to flat
arrays instead of built as IR.
"""


def search(setup, space, threads):
    cmd = [MOE_PLAN, *setup, "--search", f"--threads={threads}", *space]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    head = re.search(r"Search: (\d+) candidates, (\d+) valid, (\d+) priced by the interpreter, "
                     r"(\d+) pruned by a bound, (\d+) rejected \(([\d.]+) s", out)
    candidates, valid, priced, pruned, rejected = map(int, head.groups()[:5])
    seconds = float(head.group(6))
    best = re.search(r"^ +1 +([\d.]+) .*?  (TP.*)$", out, re.M)
    return {"cmd": cmd, "wall": wall, "seconds": seconds, "candidates": candidates,
            "valid": valid, "priced": priced, "pruned": pruned,
            "rate": priced / seconds, "best": best.group(1), "layout": best.group(2)}


def flags(args):
    return " ".join(a if not a.startswith("/") else os.path.relpath(a, ROOT) for a in args)


def main():
    lines = ["# The layout search", "",
             "`bench/search.py`: full evaluations per second of `moe-plan --search` (each candidate "
             "planned by the passes, lowered and simulated, as a single plan is) on the 2-core "
             "development machine, and the wall time of whole searches.", "",
             "## Evaluations per second", "",
             "| case | sub-space | priced | 1 thread | 2 threads |", "|---|---|---:|---:|---:|"]
    walls = ["", "## Whole searches (2 threads)", "",
             "| case | fixed | candidates | priced | pruned by a bound | valid | wall time | best tokens/s per device | best layout |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, setup, space, whole in CASES:
        if space is not None:
            one = search(setup, space, 1)
            two = search(setup, space, 2)
            lines.append(f"| {name} | `{flags(space)}` | {one['priced']} | {one['rate']:.0f}/s | "
                         f"{two['rate']:.0f}/s |")
        full = search(setup, whole, 2)
        walls.append(f"| {name} | `{flags(whole) or '-'}` | {full['candidates']} | {full['priced']} | "
                     f"{full['pruned']} | {full['valid']} | {full['wall']:.1f} s | {full['best']} | "
                     f"{full['layout']} |")
    arch = arch_search()
    commands = ["", "## Commands", "", "```sh"]
    for name, setup, space, whole in CASES:
        if space is not None:
            commands.append(f"build/bin/moe-plan {flags(setup)} --search --threads=1|2 {flags(space)}")
        commands.append(f"build/bin/moe-plan {flags(setup)} --search --threads=2 {flags(whole)}")
    commands.append("```")
    text = "\n".join(lines + walls + arch + commands) + "\n" + PROFILE
    out = os.path.join(ROOT, "bench", "results", "search.md")
    open(out, "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
