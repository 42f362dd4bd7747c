#!/usr/bin/env python3
"""Checks that moe-opt's pipeline and moe-plan predict the same plan.

Usage: compare_prediction.py REMARKS REPORT.json
REMARKS is what `moe-opt --ascend-report-costs` printed (its step and
per-stage peak memory remarks); REPORT.json is moe-plan's JSON report for the
same inputs. The step must agree to the remark's printed precision (1 ns)
and every stage's peak memory to the byte. Prints "same prediction".
"""
import json
import re
import sys

remarks = open(sys.argv[1]).read()
report = json.load(open(sys.argv[2]))

step = re.search(r"remark: step ([0-9.]+) us", remarks)
if not step:
    sys.exit("no step remark in " + sys.argv[1])
peaks = {int(s): int(b) for s, b in
         re.findall(r"remark: stage (\d+) peak memory (\d+) bytes", remarks)}

expected_step = "%.3f" % (report["step_time_s"] * 1e6)
if step.group(1) != expected_step:
    sys.exit(f"step differs: moe-opt {step.group(1)} us, moe-plan {expected_step} us")
stages = {s["stage"]: s["peak_bytes"] for s in report["memory"]["stages"]}
if peaks != stages:
    sys.exit(f"stage peaks differ: moe-opt {peaks}, moe-plan {stages}")
print("same prediction")
