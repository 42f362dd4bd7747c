"""Checks a --search-arch CSV: every shape's total parameters within the
tolerance of the model's own, the ranking by tokens/s per device, and the
model's own row equal to the best plan a layout search of the model finds.
Usage: check_search_arch.py CSV LAYOUT_SEARCH_TABLE TOLERANCE"""

import csv
import re
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
layout = open(sys.argv[2]).read()
tolerance = float(sys.argv[3])
base = [r for r in rows if r["base"] == "1"]
assert len(base) == 1, "the model's own shape is not listed once"
base = base[0]
target = int(base["total_params"])
for r in rows:
    assert abs(int(r["total_params"]) - target) <= tolerance * target, \
        f"shape {r['shape']} is outside the budget"
ranked = sorted((r for r in rows if r["rank"]), key=lambda r: int(r["rank"]))
speeds = [float(r["tokens_per_s_per_device"]) for r in ranked]
assert speeds == sorted(speeds, reverse=True), "shapes are not ranked by tokens/s"
assert [int(r["rank"]) for r in ranked] == list(range(1, len(ranked) + 1))
best = re.search(r"^ +1 +([\d.]+) ", layout, re.M).group(1)
assert abs(float(best) - float(base["tokens_per_s_per_device"])) <= 0.05 + 1e-5 * float(best), \
    f"layout search {best}, the model's row {base['tokens_per_s_per_device']}"
flags = re.search(r"Best plan's flags: (.*)", layout).group(1)
assert flags == base["flags"], f"{flags} != {base['flags']}"
print(f"ok: {len(rows)} shapes within {tolerance:.0%} of the model's total parameters, "
      "ranked; the model's own row matches its layout search")
