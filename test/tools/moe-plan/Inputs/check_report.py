"""Checks a moe-plan JSON report against the moe-report/1 contract.

Usage: check_report.py REPORT.json [KEY=LOW:HIGH | KEY=VALUE ...]
Every key of the contract (../shared/design.md, docs/report.md) must be
present with a value of the right type; each KEY (dotted path) must lie in
[LOW, HIGH] or equal VALUE. Prints "ok" or the problems and exits non-zero.
"""

import json
import sys

CONTRACT = {
    "schema": str,
    "model": {"name": str, "total_params": int, "active_params": int,
              "flops_per_token": (int, float)},
    "cluster": {"preset": str, "devices": int, "devices_per_node": int,
                "peak_tflops": (int, float)},
    "parallel": {"tp": int, "pp": int, "vpp": int, "ep": int, "etp": int,
                 "cp": int, "dp": int, "sp": bool, "tp_extend_ep": bool,
                 "micro_batch": int, "global_batch": int, "seq": int,
                 "recompute": str},
    "step_time_s": (int, float),
    "tokens_per_s": (int, float),
    "tokens_per_s_per_device": (int, float),
    "mfu": (int, float),
    "memory": {"capacity_bytes": int, "peak_bytes": int, "fits": bool,
               "stages": list},
    "breakdown": {"compute_s": (int, float), "exposed_comm_s": (int, float),
                  "bubble_s": (int, float)},
    "communication": {kind: {"total_s": (int, float), "hidden_s": (int, float)}
                      for kind in ("tp", "cp", "ep", "pp", "dp")},
}
# Present for MoE models.
EXPERTS = {"imbalance_before": (int, float), "imbalance_after": (int, float),
           "migration_s": (int, float)}
STAGE = {"stage": int, "peak_bytes": int, "weights_bytes": int,
         "grads_bytes": int, "optimizer_bytes": int, "activations_bytes": int}


def check(value, spec, path, problems):
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            problems.append(f"{path} is not an object")
            return
        for key, sub in spec.items():
            if key not in value:
                problems.append(f"{path}.{key} is missing")
            else:
                check(value[key], sub, f"{path}.{key}", problems)
    elif isinstance(value, bool) and spec is not bool:
        problems.append(f"{path} is a bool")
    elif not isinstance(value, spec):
        problems.append(f"{path} has type {type(value).__name__}")


def lookup(report, path):
    value = report
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def main():
    report = json.load(open(sys.argv[1]))
    problems = []
    check(report, CONTRACT, "report", problems)
    for i, stage in enumerate(report.get("memory", {}).get("stages", [])):
        check(stage, STAGE, f"report.memory.stages[{i}]", problems)
    if report.get("model", {}).get("layers", {}).get("moe", 0):
        check(report.get("experts"), EXPERTS, "report.experts", problems)
    # The breakdown adds up to the step; what each kind leaves exposed adds
    # up to at most the exposed communication (host swaps are not a kind).
    b, step = report.get("breakdown", {}), report.get("step_time_s", 0)
    total = sum(b.get(k, 0) for k in ("compute_s", "exposed_comm_s", "bubble_s"))
    if abs(total - step) > 1e-9 * max(step, 1):
        problems.append(f"breakdown adds up to {total}, step is {step}")
    exposed = 0
    for kind, time in report.get("communication", {}).items():
        if not 0 <= time["hidden_s"] <= time["total_s"] + 1e-12:
            problems.append(f"communication.{kind}: hidden {time['hidden_s']} "
                            f"outside [0, total {time['total_s']}]")
        exposed += time["total_s"] - time["hidden_s"]
    if exposed > b.get("exposed_comm_s", 0) * (1 + 1e-9) + 1e-12:
        problems.append(f"communication exposes {exposed} s, more than the "
                        f"breakdown's {b.get('exposed_comm_s')} s")
    for condition in sys.argv[2:]:
        key, expected = condition.split("=", 1)
        value = lookup(report, key)
        if ":" in expected:
            low, high = map(float, expected.split(":"))
            if not low <= value <= high:
                problems.append(f"{key} = {value} is outside [{low}, {high}]")
        elif str(value).lower() != expected.lower():
            problems.append(f"{key} = {value}, expected {expected}")
    print("\n".join(problems) if problems else "ok")
    sys.exit(1 if problems else 0)


main()
