"""Checks a --search-csv against the plans a user could have asked for by
hand: every candidate is run again as an explicit moe-plan invocation with
its flags, and must predict the same; the search's best must be at least as
fast as every explicit plan that fits; the memory bound must never exceed a
priced plan's peak; and the CSV must hold every candidate the table counts.
With OBJECTIVE memory, the best is the valid plan of least peak memory.
Usage: check_search.py MOE_PLAN CSV TABLE OBJECTIVE -- ARGS (the model,
cluster, seq and global batch the search was given)."""

import csv
import json
import re
import subprocess
import sys

moe_plan, csv_path, table_path, objective = sys.argv[1:5]
common = sys.argv[sys.argv.index("--") + 1:]
rows = list(csv.DictReader(open(csv_path)))
table = open(table_path).read()
total = int(re.search(r"Search: (\d+) candidates", table).group(1))
assert len(rows) == total, f"{len(rows)} CSV rows for {total} candidates"
assert [int(r["candidate"]) for r in rows] == list(range(total)), \
    "candidates are not numbered in order"


def flags(row):
    out = [f"--{name}={row[name]}" for name in ("tp", "pp", "vpp", "ep", "etp", "cp")
           if row[name]]
    out.append(f"--micro-batch={row['micro_batch']}")
    for column, flag in (("tp_extend_ep", "--tp-extend-ep"),
                         ("hierarchical_a2a", "--hierarchical-a2a"),
                         ("fb_overlap", "--fb-overlap"),
                         ("distributed_optimizer", "--distributed-optimizer")):
        if row[column] == "1":
            out.append(flag)
    out.append(f"--recompute={row['recompute']}")
    return out


best = max((float(r["tokens_per_s_per_device"]) for r in rows
            if r["tokens_per_s_per_device"]), default=None)
assert best is not None, "no valid candidate"
rank1 = [r for r in rows if r["rank"] == "1"]
assert len(rank1) == 1, "not one best plan"
if objective == "memory":
    least = min(int(r["peak_bytes"]) for r in rows if r["tokens_per_s_per_device"])
    assert int(rank1[0]["peak_bytes"]) == least, "the best is not the least memory"
    best = max(float(r["tokens_per_s_per_device"]) for r in rows
               if r["tokens_per_s_per_device"] and int(r["peak_bytes"]) == least)
assert float(rank1[0]["tokens_per_s_per_device"]) == best, "rank 1 is not the best"

fitting = 0
for row in rows:
    run = subprocess.run([moe_plan, *common, *flags(row), "--format=json"],
                         capture_output=True, text=True)
    if row["peak_bytes"]:
        assert int(row["memory_bound_bytes"]) <= int(row["peak_bytes"]), \
            f"candidate {row['candidate']}: memory bound over the peak"
        assert float(row["step_bound_s"]) <= float(row["step_time_s"]), \
            f"candidate {row['candidate']}: step bound over the step"
    if not row["step_time_s"]:
        # Rejected before pricing: the explicit plan is refused too, cannot
        # fit by the memory bound, or cannot beat the best by the step bound.
        assert row["rejected"], f"candidate {row['candidate']} has no reason"
        if run.returncode == 0:
            report = json.loads(run.stdout)
            if row["rejected"].startswith("cannot beat the best"):
                fitting += report["memory"]["fits"]
                assert report["step_time_s"] >= float(row["step_bound_s"]) * (1 - 1e-5)
                assert report["tokens_per_s_per_device"] <= best * (1 + 1e-5), \
                    f"candidate {row['candidate']} pruned but beats the best"
            else:
                assert not report["memory"]["fits"], \
                    f"candidate {row['candidate']} pruned but fits: {row['rejected']}"
        continue
    assert run.returncode == 0, f"{flags(row)}: {run.stderr}"
    report = json.loads(run.stdout)
    step = float(row["step_time_s"])
    assert abs(report["step_time_s"] - step) <= 1e-5 * step, \
        f"candidate {row['candidate']}: search {step} s, explicit {report['step_time_s']} s"
    assert report["memory"]["peak_bytes"] == int(row["peak_bytes"])
    assert report["memory"]["fits"] == (row["rejected"] == ""), \
        f"candidate {row['candidate']}: fits disagrees"
    if report["memory"]["fits"]:
        fitting += 1
        if objective == "memory":
            assert report["memory"]["peak_bytes"] >= int(rank1[0]["peak_bytes"]), \
                f"explicit {flags(row)} needs less memory than the search's best"
        else:
            assert report["tokens_per_s_per_device"] <= best * (1 + 1e-5), \
                f"explicit {flags(row)} beats the search's best"
print(f"ok: {total} candidates, {fitting} explicit plans that fit, none beats the best")
