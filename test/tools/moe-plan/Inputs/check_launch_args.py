"""Checks moe-plan --emit-mindspeed / --emit-megatron output against a flag list.

Usage: check_launch_args.py FLAGS.txt ARGS.sh [ARGS.sh ...]
FLAGS.txt is one of data/runtime-args/*.txt: one flag per line, '#' starts a
comment. Each ARGS.sh must source in bash and define the array MOE_PLAN_ARGS;
every element that starts with "--" must be a flag of FLAGS.txt, none may
appear twice, and no element may be empty. Prints "ok" or the problems and
exits non-zero.
"""

import shutil
import subprocess
import sys


def read_flags(path):
    flags = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                flags.add(line)
    return flags


def sourced_args(path):
    """The elements of MOE_PLAN_ARGS after bash sources the file."""
    bash = shutil.which("bash")
    if bash is None:
        raise RuntimeError("bash is needed to source the arguments")
    script = 'set -eu; source "$1"; printf "%s\\0" "${MOE_PLAN_ARGS[@]}"'
    result = subprocess.run([bash, "-c", script, "check", path],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"bash cannot source it: {result.stderr.strip()}")
    return result.stdout.split("\0")[:-1]


def check(path, flags, problems):
    try:
        args = sourced_args(path)
    except RuntimeError as error:
        problems.append(f"{path}: {error}")
        return
    if not args:
        problems.append(f"{path}: MOE_PLAN_ARGS is empty")
    seen = set()
    for arg in args:
        if not arg:
            problems.append(f"{path}: an empty argument")
        elif arg.startswith("--"):
            if arg not in flags:
                problems.append(f"{path}: {arg} is not in the flag list")
            if arg in seen:
                problems.append(f"{path}: {arg} appears twice")
            seen.add(arg)


def main():
    flags = read_flags(sys.argv[1])
    problems = []
    for path in sys.argv[2:]:
        check(path, flags, problems)
    print("\n".join(problems) if problems else "ok")
    sys.exit(1 if problems else 0)


main()
