"""Fails unless every file given is JSON whose numbers are all finite.

Python's json module reads NaN, Infinity and -Infinity, which are not JSON;
here they are errors, as are numbers that overflow a double (1e999).
"""
import json
import math
import sys


def reject(token):
    raise ValueError(f"non-finite number {token}")


def walk(value, path, problems):
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            walk(item, f"{path}.{key}", problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            walk(item, f"{path}[{index}]", problems)


status = 0
for name in sys.argv[1:]:
    try:
        with open(name) as f:
            document = json.load(f, parse_constant=reject)
    except ValueError as error:
        print(f"{name}: {error}")
        status = 1
        continue
    problems = []
    walk(document, "$", problems)
    for path in problems[:10]:
        print(f"{name}: non-finite number at {path}")
    if problems:
        status = 1
    else:
        print(f"{name}: finite")
sys.exit(status)
