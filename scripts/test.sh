#!/usr/bin/env bash
# Every test: install what is needed, build (with tests), and run the whole ctest suite —
# unit tests, the corpus checks against ../shared, and the real-component tests: loopback
# HTTP/HTTPS servers (started and stopped by their tests), a one-node Slurm cluster (started
# here, stopped again on exit, even on failure) and the offline Kubernetes manifest validators.
# See docs/real-components.md.
#
# Environment: MODAK_BUILD_DIR (build/), MODAK_JOBS (2), MODAK_SLURM_ROOT (<build>/slurm-run),
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

cd "$build"
status=0
ctest --output-on-failure -j "${MODAK_JOBS:-2}" --timeout 600 "$@" || status=$?
# The corpus checks' one-line summaries (how many files each checked), for the CI log.
grep -h -E '^(tosca|sodalite) corpus: |^normative types: ' Testing/Temporary/LastTest.log || true
exit $status
