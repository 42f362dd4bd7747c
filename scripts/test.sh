#!/usr/bin/env bash
# Sets up if needed, builds everything and runs every test (lit + gtest).
# The last line is the count: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" || exit 1
# The generated references are compared with docs/ by a test.
cmake --build "$root/build" --target mlir-doc >/dev/null || exit 1

log="$(mktemp)"
/usr/lib/llvm-22/bin/lit -v "$root/build/test" "$root/build/test/Unit" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
count() {
  local n
  n=$(sed -nE "s/^ +$1: +([0-9]+).*/\1/p" "$log" | head -n 1)
  echo "${n:-0}"
}
passed=$(( $(count Passed) + $(count 'Expectedly Failed') ))
failed=$(( $(count Failed) + $(count Unresolved) + $(count 'Timed Out') + $(count 'Unexpectedly Passed') ))
rm -f "$log"
echo "$passed passed, $failed failed"
exit "$status"
