"""What the benchmarks share: where the tools are, and the paper's plan.

BUILD_DIR is each script's first argument (default: build)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
MOE_PLAN = os.path.join(BUILD, "bin", "moe-plan")

# Pangu Ultra MoE on ascend-910b:6144 in the paper's layout, TP8 PP16 VPP2
# EP4, micro-batch 2; the paper gives neither batch nor sequence, so these
# are the values the rest of the project uses.
PAPER_PLAN = [MOE_PLAN,
              os.path.join(ROOT, "data", "models", "pangu-ultra-moe-718b.json"),
              "--cluster=ascend-910b:6144", "--seq=4096", "--global-batch=6144",
              "--micro-batch=2", "--tp=8", "--pp=16", "--vpp=2", "--ep=4",
              "--distributed-optimizer", "--format=json"]
