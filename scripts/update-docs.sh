#!/usr/bin/env bash
# Regenerates the dialect and pass references from TableGen into docs/.
# test/docs/generated-docs.test fails when they are stale.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake --build "$root/build" --target mlir-doc
for kind in Dialects Passes; do
  cp "$root"/build/docs/$kind/*.md "$root/docs/$kind/"
done
