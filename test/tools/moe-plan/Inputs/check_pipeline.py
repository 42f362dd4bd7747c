"""Checks a report's pipeline section: every unit of the model appears
exactly once across the virtual stages, and the slowest stage is within
the given fraction of the mean. Usage: check_pipeline.py REPORT STAGES
DENSE MOE MTP TOLERANCE"""

import json
import sys

report = json.load(open(sys.argv[1]))
stages, dense, moe, mtp = map(int, sys.argv[2:6])
tolerance = float(sys.argv[6])
layout = report["pipeline"]["layout"]
units = [u for stage in layout for u in stage]
expected = (["embedding", "final_norm", "lm_head", "loss"]
            + [f"dense{i}" for i in range(dense)]
            + [f"moe{i}" for i in range(dense, dense + moe)]
            + [f"mtp{i}" for i in range(mtp)])
assert len(layout) == stages, f"{len(layout)} virtual stages, expected {stages}"
assert sorted(units) == sorted(expected), \
    f"units placed {sorted(set(units) ^ set(expected))} wrongly or twice"
times = report["pipeline"]["stage_time_s"]
mean = sum(times) / len(times)
slowest = max(times)
assert slowest <= (1 + tolerance) * mean, \
    f"slowest stage {slowest:.4f} s is {slowest / mean - 1:.1%} above the mean {mean:.4f} s"
print(f"ok: {len(units)} units on {stages} stages, slowest {slowest / mean - 1:+.1%} of the mean")
