#!/usr/bin/env bash
# Smoke test of the real Slurm cluster the tests run against (tests/real/slurm-up.sh): real jobs
# run to COMPLETED (and a failing one to FAILED), fake GPUs are handed out, finished jobs are
# recorded, `sbatch --test-only` accepts a valid script and rejects a bad --time, Slurm's own
# #PBS reader turns Torque directives into a job with the right name and time limit, and the
# qsub wrapper (slurm-wlm-torque) prints an sbatch command line. See docs/real-components.md.
#
# Usage: bash slurm_smoke_test.sh MODAK SOURCE_DIR
# Needs SLURM_CONF (scripts/test.sh exports it). Exit 77 = skipped: no SLURM_CONF or the cluster
# does not answer - unless MODAK_REQUIRE_SLURM=1 (scripts/test.sh sets it), then that fails.
set -u

poll_timeout=${SLURM_SMOKE_TIMEOUT:-60}
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
unavailable() {
  if [ "${MODAK_REQUIRE_SLURM:-0}" = 1 ]; then
    echo "FAIL - $1 (MODAK_REQUIRE_SLURM=1)"
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}

[ -n "${SLURM_CONF:-}" ] || unavailable "SLURM_CONF is not set (start a cluster: eval \"\$(bash tests/real/slurm-up.sh)\")"
for cmd in sbatch scontrol sinfo; do
  command -v "$cmd" >/dev/null || unavailable "$cmd not found"
done
timeout 10 sinfo -h >/dev/null 2>&1 || unavailable "sinfo fails with SLURM_CONF=$SLURM_CONF"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-slurm-smoke.XXXXXX")
chmod 0755 "$TMP"
submitted=()
cleanup() {
  # cancel only what this test submitted and is not finished
  ((${#submitted[@]})) && scancel "${submitted[@]}" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
field() { # ID NAME: one field of `scontrol show job -o ID`
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
# wait_done ID: polls until the job leaves the pending/running states; prints the final state.
wait_done() {
  local deadline=$(($(now_ms) + poll_timeout * 1000)) state
  while (($(now_ms) < deadline)); do
    state=$(field "$1" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
        echo "$state"; return 0 ;;
    esac
    sleep 0.2
  done
  state=$(field "$1" JobState)
  echo "${state:-UNKNOWN} (still, after ${poll_timeout}s)"
  return 1
}
# submit NAME SBATCH-ARGS...: submits, records the job id in the variable NAME (empty on failure)
submit() {
  local var=$1 out; shift
  if out=$(sbatch --parsable "$@" 2>"$TMP/sbatch.err"); then
    out=${out%%;*}
    printf -v "$var" '%s' "$out"
    submitted+=("$out")
  else
    printf -v "$var" '%s' ""
    fail "sbatch $* was refused: $(cat "$TMP/sbatch.err")"
  fi
}

# --- the job scripts ---------------------------------------------------------------------------
cat >"$TMP/hello.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=modak-smoke
#SBATCH --partition=debug
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=64M
#SBATCH --time=00:01:00
#SBATCH --output=$TMP/%x-%j.out
#SBATCH --export=ALL,MODAK_SMOKE=42
echo "job=\$SLURM_JOB_ID name=\$SLURM_JOB_NAME ntasks=\$SLURM_NTASKS param=\$MODAK_SMOKE"
srun --ntasks=1 echo "srun step ok"
EOF

cat >"$TMP/fail.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=modak-fail
#SBATCH --time=1
#SBATCH --output=$TMP/%x-%j.out
exit 3
EOF

cat >"$TMP/gpu.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=modak-gpu
#SBATCH --gres=gpu:1
#SBATCH --time=1
#SBATCH --output=$TMP/%x-%j.out
echo "cuda=\${CUDA_VISIBLE_DEVICES:-unset}"
EOF

# A Torque-style script with #PBS lines only: sbatch reads them itself (Slurm's #PBS reader).
cat >"$TMP/torque.pbs" <<EOF
#!/bin/bash
#PBS -N x
#PBS -l nodes=1:ppn=1
#PBS -l walltime=00:01:00
#PBS -o $TMP/pbs.out
echo "pbs job \$SLURM_JOB_NAME ran"
EOF
sed 's/walltime=00:01:00/walltime=abc/' "$TMP/torque.pbs" >"$TMP/bad-walltime.pbs"

cd "$TMP" || exit 1
t0=$(now_ms)

# --- submit the real jobs together, then wait for all of them -----------------------------------
submit hello "$TMP/hello.sbatch"
submit failing "$TMP/fail.sbatch"
gres=$(sinfo -h -N -n localhost -o %G 2>/dev/null)
gpu=""
if [[ "$gres" == *gpu* ]]; then
  submit gpu "$TMP/gpu.sbatch"
else
  echo "note: the node has no gres/gpu ($gres); GPU job not run"
fi
submit pbs "$TMP/torque.pbs"

# The #PBS directives were read: the name, tasks and time limit come from them.
if [ -n "$pbs" ]; then
  name=$(field "$pbs" JobName) limit=$(field "$pbs" TimeLimit) tasks=$(field "$pbs" NumTasks)
  if [ "$name" = x ] && [ "$limit" = 00:01:00 ] && [ "$tasks" = 1 ]; then
    pass "#PBS script: JobName=x TimeLimit=00:01:00 NumTasks=1 taken from the #PBS lines"
  else
    fail "#PBS script: JobName=$name TimeLimit=$limit NumTasks=$tasks (wanted x, 00:01:00, 1)"
  fi
fi

if [ -n "$hello" ]; then
  state=$(wait_done "$hello")
  exit_code=$(field "$hello" ExitCode)
  if [ "$state" = COMPLETED ] && [ "$exit_code" = 0:0 ]; then
    pass "sbatch job $hello COMPLETED with ExitCode 0:0 in $(($(now_ms) - t0)) ms"
  else
    fail "sbatch job $hello ended $state ExitCode=$exit_code"
  fi
  out=$TMP/modak-smoke-$hello.out
  if grep -qx "job=$hello name=modak-smoke ntasks=1 param=42" "$out" 2>/dev/null \
    && grep -qx "srun step ok" "$out"; then
    pass "output file has the job's environment and the srun step"
  else
    fail "output file $out: $(cat "$out" 2>&1)"
  fi
fi

if [ -n "$failing" ]; then
  state=$(wait_done "$failing")
  exit_code=$(field "$failing" ExitCode)
  if [ "$state" = FAILED ] && [ "$exit_code" = 3:0 ]; then
    pass "a job that exits 3 ends FAILED with ExitCode 3:0"
  else
    fail "the exit-3 job ended $state ExitCode=$exit_code"
  fi
fi

if [ -n "$gpu" ]; then
  state=$(wait_done "$gpu")
  if [ "$state" = COMPLETED ] && grep -qx "cuda=0" "$TMP/modak-gpu-$gpu.out" 2>/dev/null; then
    pass "--gres=gpu:1 runs on a fake GPU (CUDA_VISIBLE_DEVICES=0)"
  else
    fail "GPU job ended $state; output: $(cat "$TMP/modak-gpu-$gpu.out" 2>&1)"
  fi
fi

if [ -n "$pbs" ]; then
  state=$(wait_done "$pbs")
  if [ "$state" = COMPLETED ] && grep -qx "pbs job x ran" "$TMP/pbs.out" 2>/dev/null; then
    pass "#PBS script ran to COMPLETED, output where #PBS -o said"
  else
    fail "#PBS job ended $state; output: $(cat "$TMP/pbs.out" 2>&1)"
  fi
fi

# Finished jobs are logged by jobcomp/filetxt (no accounting database).
comp=$(scontrol show config 2>/dev/null | sed -n 's/^JobCompLoc *= *//p')
if [ -n "$hello" ] && [ -f "$comp" ]; then
  if grep -q "^JobId=$hello .*JobState=COMPLETED" "$comp"; then
    pass "job $hello is recorded in $comp"
  else
    fail "job $hello is missing from $comp"
  fi
else
  echo "note: no JobCompLoc file ($comp); jobcomp record not checked"
fi

# --- sbatch --test-only: validates without running ----------------------------------------------
if sbatch --test-only "$TMP/hello.sbatch" >"$TMP/out" 2>&1 && grep -q "to start at" "$TMP/out"; then
  pass "sbatch --test-only accepts the valid script"
else
  fail "sbatch --test-only on the valid script: $(cat "$TMP/out")"
fi
if sbatch --test-only --time=abc "$TMP/hello.sbatch" >"$TMP/out" 2>&1; then
  fail "sbatch --test-only --time=abc was accepted"
elif grep -q "Invalid --time specification" "$TMP/out"; then
  pass "sbatch --test-only rejects --time=abc"
else
  fail "sbatch --test-only --time=abc failed for another reason: $(cat "$TMP/out")"
fi
if sbatch --test-only "$TMP/torque.pbs" >"$TMP/out" 2>&1; then
  pass "sbatch --test-only accepts the #PBS script"
else
  fail "sbatch --test-only on the #PBS script: $(cat "$TMP/out")"
fi
if sbatch --test-only "$TMP/bad-walltime.pbs" >"$TMP/out" 2>&1; then
  fail "a #PBS script with walltime=abc was accepted"
else
  pass "a #PBS script with walltime=abc is rejected: $(head -n 1 "$TMP/out")"
fi

# --- qsub (Slurm's Torque wrapper): --sbatchline translates without submitting -------------------
if command -v qsub >/dev/null; then
  if line=$(qsub --sbatchline -N x -l nodes=1:ppn=1,walltime=00:01:00 "$TMP/torque.pbs" 2>&1) \
    && [[ "$line" =~ (^|/)sbatch\  ]] && [[ " $line " == *" -J x "* ]] && [[ " $line " == *" -t1 "* ]]; then
    pass "qsub --sbatchline: $line"
  else
    fail "qsub --sbatchline printed: $line"
  fi
else
  fail "qsub not found (package slurm-wlm-torque)"
fi

echo "slurm smoke: $((${#submitted[@]})) jobs, $(($(now_ms) - t0)) ms, $failures failures"
((failures == 0))
