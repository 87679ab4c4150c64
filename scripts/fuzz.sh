#!/usr/bin/env bash
# Runs every libFuzzer target for a while (tests/fuzz; built with -DMODAK_FUZZ=ON) and prints one
# line per target. CI runs each for 60 s (scripts/test.sh); the long campaign is the same script
# with a larger time (docs/fuzzing.md records it).
#
#   scripts/fuzz.sh [SECONDS]            # default 60 per target
#   scripts/fuzz.sh --summary            # only the table, from the logs of the last run
#
# Environment: MODAK_FUZZ_BUILD (build-fuzz/), FUZZ_JOBS (2: targets run side by side),
# FUZZ_TARGETS (all), FUZZ_NICE (0), FUZZ_OUT (<build>/fuzz: working corpora, logs, crash
# artefacts). Exit status 1 when any target reports a crash, leak, timeout or out-of-memory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MODAK_FUZZ_BUILD:-$root/build-fuzz}
seconds=${1:-60}
out=${FUZZ_OUT:-$build/fuzz}
all="fuzz_yaml_loader fuzz_validator fuzz_request fuzz_csar"
for a in slurm pbspro torque kubernetes batch; do all="$all fuzz_render_$a fuzz_adapter_$a"; done
targets=${FUZZ_TARGETS:-$all}

if [ "$seconds" != --summary ]; then
  seed=$(sh "$root/tests/fuzz/seed.sh" "$root/../shared/corpus")
  trap 'rm -rf "$seed"' EXIT
  trap 'exit 130' INT  # bash runs the EXIT trap on these only when they are trapped
  trap 'exit 143' TERM
  mkdir -p "$out"
  export MODAK_SHARE_DIR=$root/share

  run_one() {
    local t=$1 bin="$build/tests/fuzz/$1"
    [ -x "$bin" ] || { echo "fuzz.sh: $bin is not built (ninja -C $build fuzz)" > "$out/$t.log"; return 0; }
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
    rm -f "$out/artifacts/$t"/*
    # -timeout: one input taking this long is a finding; -rss_limit_mb likewise for memory. Slow
    # inputs below the timeout are not findings: libFuzzer keeps them only from 60 s on.
    nice -n "${FUZZ_NICE:-0}" "$bin" -max_total_time="$seconds" -timeout=60 -report_slow_units=60 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" \
      "$out/corpus/$t" "$seed/$t" > "$out/$t.log" 2>&1 || true
  }
  export -f run_one
  export build out seconds seed
  printf '%s\n' $targets | xargs -P "${FUZZ_JOBS:-2}" -I{} bash -c 'run_one {}'
fi

status=0
printf '%-24s %8s %10s %8s %6s %7s %7s  %s\n' target seconds runs exec/s cov ft corpus result
for t in $targets; do
  log=$out/$t.log
  runs=$(grep -oP 'stat::number_of_executed_units:\s*\K\d+' "$log" || echo 0)
  rate=$(grep -oP 'stat::average_exec_per_sec:\s*\K\d+' "$log" || echo 0)
  cov=$(grep -oP '\bcov: \K\d+' "$log" | tail -n 1 || true)
  ft=$(grep -oP '\bft: \K\d+' "$log" | tail -n 1 || true)
  corpus=$( (find "$out/corpus/$t" -type f 2>/dev/null || true) | wc -l)
  if ls "$out/artifacts/$t"/crash-* "$out/artifacts/$t"/leak-* "$out/artifacts/$t"/timeout-* \
    "$out/artifacts/$t"/oom-* > /dev/null 2>&1 || grep -q 'ERROR: libFuzzer\|ERROR: AddressSanitizer\|runtime error:' "$log"; then
    result="FINDING: $(ls "$out/artifacts/$t" 2>/dev/null | grep -v '^slow-unit-' | head -n 1) (see $log)"
    status=1
  elif ! grep -q 'Done [0-9]* runs' "$log"; then
    result="did not run (see $log)"
    status=1
  else
    result=ok
  fi
  secs=$(grep -oP 'Done \d+ runs in \K\d+' "$log" || echo 0)
  printf '%-24s %8s %10s %8s %6s %7s %7s  %s\n' "$t" "$secs" "$runs" "$rate" "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
exit $status
