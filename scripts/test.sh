#!/usr/bin/env bash
# Every test: install what is needed, build (with tests), and run the whole ctest suite —
# unit tests, the corpus checks against ../shared, and the real-component tests: loopback
# HTTP/HTTPS servers (started and stopped by their tests), a one-node Slurm cluster (started
# here, stopped again on exit, even on failure) and the offline Kubernetes manifest validators.
# See docs/real-components.md.
#
# Then the whole suite again under ASan + UBSan (clang-14, build-fuzz/) and 60 s of each libFuzzer
# target (scripts/fuzz.sh); see docs/fuzzing.md.
#
# Environment: MODAK_BUILD_DIR (build/), MODAK_JOBS (2), MODAK_SLURM_ROOT (<build>/slurm-run),
# MODAK_FUZZ_BUILD (build-fuzz/), MODAK_FUZZ_SECONDS (60), MODAK_SANITIZERS=0 to skip stages 2-3,
# SLURM_CTLD_PORT / SLURM_SLURMD_PORT (16817 / 16818), MODAK_NO_SLURM=1 to run without Slurm
# (developers only: the Slurm tests then skip). Extra arguments go to ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MODAK_BUILD_DIR:-$root/build}
bash "$root/scripts/install-deps.sh"
MODAK_BUILD_DIR=$build bash "$root/scripts/build.sh" -DMODAK_BUILD_TESTS=ON
if [ ! -d "$root/../shared/corpus" ]; then
  echo "note: ../shared/corpus is absent: the corpus tests will report SKIP"
fi

# install-deps.sh installed the validators' dependencies: their test must not skip.
export MODAK_REQUIRE_K8S=1

if [ "${MODAK_NO_SLURM:-0}" = 1 ]; then
  echo "note: MODAK_NO_SLURM=1: no Slurm cluster started; the Slurm tests skip unless SLURM_CONF names one"
else
  export SLURM_ROOT=${MODAK_SLURM_ROOT:-$build/slurm-run}
  trap 'bash "$root/tests/real/slurm-down.sh" --purge || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if ! slurm_env=$(bash "$root/tests/real/slurm-up.sh"); then
    echo "error: the Slurm test cluster did not start (messages above). CI needs it; a developer" \
      "without Slurm can set MODAK_NO_SLURM=1." >&2
    exit 1
  fi
  eval "$(tail -n 1 <<<"$slurm_env")"
  export SLURM_CONF
  # a cluster is up, so the Slurm tests must run rather than skip
  export MODAK_REQUIRE_SLURM=1
fi

status=0
echo "== 1/3 the test suite (gcc, $build)"
(cd "$build" && ctest --output-on-failure -j "${MODAK_JOBS:-2}" --timeout 600 "$@") || status=1
# The corpus checks' one-line summaries (how many files each checked), for the CI log.
grep -h -E '^(tosca|sodalite) corpus: |^normative types: ' "$build/Testing/Temporary/LastTest.log" || true

# The same suite again under AddressSanitizer + UndefinedBehaviorSanitizer, built with clang-14 with
# -DMODAK_FUZZ=ON, which also builds the libFuzzer targets; then a short run of each fuzz target.
# MODAK_SANITIZERS=0 skips both (developers only; CI runs them).
if [ "${MODAK_SANITIZERS:-1}" = 1 ]; then
  fuzz_build=${MODAK_FUZZ_BUILD:-$root/build-fuzz}
  echo "== 2/3 the test suite under ASan + UBSan (clang-14, $fuzz_build)"
  CC=clang-14 CXX=clang++-14 MODAK_BUILD_DIR=$fuzz_build bash "$root/scripts/build.sh" \
    -DMODAK_FUZZ=ON -DMODAK_BUILD_TESTS=ON
  (cd "$fuzz_build" && ctest --output-on-failure -j "${MODAK_JOBS:-2}" --timeout 900 "$@") || status=1
  echo "== 3/3 each libFuzzer target for ${MODAK_FUZZ_SECONDS:-60} s"
  MODAK_FUZZ_BUILD=$fuzz_build bash "$root/scripts/fuzz.sh" "${MODAK_FUZZ_SECONDS:-60}" || status=1
fi
exit $status
