#!/usr/bin/env bash
# Sets up if needed, builds everything and runs every test (lit + gtest).
# The last line is the count: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" || exit 1

log="$(mktemp)"
/usr/lib/llvm-22/bin/lit -v "$root/build/test" "$root/build/test/Unit" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -cE '^(PASS|XFAIL): ' "$log")
failed=$(grep -cE '^(FAIL|XPASS|UNRESOLVED|TIMEOUT): ' "$log")
rm -f "$log"
echo "$passed passed, $failed failed"
exit "$status"
