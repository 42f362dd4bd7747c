"""Checks a moe-plan Chrome trace: valid trace-event JSON, one named track
per stream that has events, slices named by layer and op with the
micro-batch in their arguments. Prints the track names."""

import json
import sys

trace = json.load(open(sys.argv[1]))
events = trace["traceEvents"]
names = {(e["pid"], e["tid"]): e["args"]["name"]
         for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
slices = [e for e in events if e["ph"] == "X"]
used = {(e["pid"], e["tid"]) for e in slices}
assert used == set(names), f"tracks {sorted(names)} vs streams used {sorted(used)}"
assert all(e["dur"] >= 0 and "micro_batch" in e["args"] for e in slices)
assert all("." in e["name"] or e["name"] in ("lm_head", "loss", "final_norm")
           for e in slices if e["cat"] != "optimizer")
for (pid, tid), name in sorted(names.items()):
    print(f"stage {pid} track {name}")
print(f"{len(slices)} slices")
