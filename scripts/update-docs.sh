#!/usr/bin/env bash
# Regenerates the dialect references from TableGen into docs/Dialects/.
# test/docs/generated-docs.test fails when they are stale.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake --build "$root/build" --target mlir-doc
cp "$root"/build/docs/Dialects/*.md "$root/docs/Dialects/"
