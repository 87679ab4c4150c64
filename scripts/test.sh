#!/usr/bin/env bash
# Every test: install what is needed, build (with tests), and run the whole ctest suite —
# unit tests, the corpus checks against ../shared, and the real-component tests (loopback
# HTTP/HTTPS servers). Components a test needs are started by that test and stopped again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MODAK_BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
MODAK_BUILD_DIR=$build bash "$root/scripts/build.sh" -DMODAK_BUILD_TESTS=ON
if [ ! -d "$root/../shared/corpus" ]; then
  echo "note: ../shared/corpus is absent: the corpus tests will report SKIP"
fi
cd "$build"
ctest --output-on-failure -j "${MODAK_JOBS:-2}" --timeout 600 "$@"
# The corpus checks' one-line summaries (how many files each checked), for the CI log.
grep -h -E '^(tosca|sodalite) corpus: |^normative types: ' Testing/Temporary/LastTest.log || true
