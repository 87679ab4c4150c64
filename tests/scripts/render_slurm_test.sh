#!/usr/bin/env bash
# The Slurm scripts modak renders, checked by a real Slurm (the one-node test cluster of
# tests/real/slurm-up.sh, target localhost-slurm):
#   (a) every .sbatch modak writes is accepted by `sbatch --test-only`: the bundled examples
#       rendered with --adapter slurm (sized for other sites, so --partition=debug and smaller
#       resources are given on the sbatch command line), the bundled examples re-targeted at
#       localhost-slurm (those modak accepts: unmodified) and the test blueprints in
#       tests/blueprints/*-slurm (target localhost-slurm: unmodified);
#   (b) end to end: tests/blueprints/e2e-slurm runs to COMPLETED, ExitCode 0:0, and its marker file
#       shows the job id and the OMP_NUM_THREADS the script exported;
#   (c) a chain: tests/blueprints/chain-slurm's second job, submitted with
#       --dependency=afterok:<first>, starts after the first has ended, and both complete;
#   (d) hostile values (tests/blueprints/hostile-slurm): shell code in job_name,
#       standard_output_file, executable, arguments, email_address and copy_environment_variable
#       never runs - no CANARY file appears - while the job itself runs and echoes them as data;
#   (e) tests/blueprints/fail-slurm (exit 3) ends FAILED with ExitCode 3:0.
#
# Usage: bash render_slurm_test.sh MODAK SOURCE_DIR
# Needs SLURM_CONF (scripts/test.sh exports it). Exit 77 = skipped (no cluster), unless
# MODAK_REQUIRE_SLURM=1, then that is a failure.
set -u
modak=${1:?usage: render_slurm_test.sh MODAK SOURCE_DIR}
src=${2:?usage: render_slurm_test.sh MODAK SOURCE_DIR}
poll_timeout=${RENDER_SLURM_TIMEOUT:-90}
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
for cmd in sbatch scontrol sinfo scancel; do
  command -v "$cmd" >/dev/null || unavailable "$cmd not found"
done
timeout 10 sinfo -h >/dev/null 2>&1 || unavailable "sinfo fails with SLURM_CONF=$SLURM_CONF"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-render-slurm.XXXXXX")
chmod 0755 "$TMP"
submitted=()
cleanup() {
  # cancel only what this test submitted (finished jobs ignore it)
  ((${#submitted[@]})) && scancel "${submitted[@]}" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
field() { # ID NAME: one field of `scontrol show job -o ID`
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}
# wait_done ID: polls until the job has left the pending/running states; prints the final state.
wait_done() {
  local deadline=$(($(now_ms) + poll_timeout * 1000)) state
  while (($(now_ms) < deadline)); do
    state=$(field "$1" JobState)
    case $state in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE)
        echo "$state"; return 0 ;;
    esac
    sleep 0.3
  done
  state=$(field "$1" JobState)
  echo "${state:-UNKNOWN} (still, after ${poll_timeout}s)"
  return 1
}
epoch() { date -d "$1" +%s 2>/dev/null || echo 0; }

# render NAME OUTDIR ARGS...: runs modak preprocess; prints its output on failure.
render() {
  local what=$1 out=$2
  shift 2
  if "$modak" preprocess -q "$@" -o "$out" >"$out.log" 2>&1; then
    return 0
  fi
  fail "$what: modak preprocess $* failed"
  sed 's/^/       /' "$out.log"
  return 1
}

# test_only LABEL SCRIPT [SBATCH OPTIONS...]: `sbatch --test-only` from the script's directory.
test_only() {
  local label=$1 script=$2 out
  shift 2
  if out=$(cd "$(dirname "$script")" && sbatch --test-only "$@" "$(basename "$script")" 2>&1); then
    pass "sbatch --test-only accepts $label"
  else
    fail "sbatch --test-only rejects $label: $out"
    sed 's/^/       | /' "$script"
  fi
}

# ---- (a) every script passes sbatch --test-only ----------------------------------------------
t0=$(now_ms)
count=0
for bp in "$src"/blueprints/*/service.yaml; do
  name=$(basename "$(dirname "$bp")")
  out=$TMP/example-$name
  render "bundled $name" "$out" --adapter slurm "$bp" || continue
  for s in "$out"/jobs/*.sbatch; do
    [ -e "$s" ] || continue
    count=$((count + 1))
    grep -q '^#SBATCH ' "$s" || fail "$name/$(basename "$s") has no #SBATCH directive"
    # Sized for another site: run it on the one-node 'debug' partition, with what that offers.
    shrink=(--partition=debug --nodes=1 --ntasks=1 --ntasks-per-node=1 --cpus-per-task=1)
    grep -q '^#SBATCH --mem=' "$s" && shrink+=(--mem=256M)
    grep -q '^#SBATCH --mem-per-cpu=' "$s" && shrink+=(--mem-per-cpu=256M)
    grep -q '^#SBATCH --gres=gpu' "$s" && shrink+=(--gres=gpu:1)
    test_only "bundled $name/$(basename "$s") (with ${shrink[*]})" "$s" "${shrink[@]}"
  done
  # Re-targeted at the test cluster: when modak accepts that, the script must fit it as it is.
  out=$TMP/retarget-$name
  if "$modak" preprocess -q --adapter slurm --target localhost-slurm "$bp" -o "$out" >"$out.log" 2>&1; then
    for s in "$out"/jobs/*.sbatch; do
      [ -e "$s" ] || continue
      count=$((count + 1))
      test_only "bundled $name/$(basename "$s") re-targeted at localhost-slurm (unmodified)" "$s"
    done
  elif grep -q 'error\[resource-conflict\]' "$out.log"; then
    pass "bundled $name does not fit localhost-slurm and modak says so (resource-conflict)"
  elif grep -q 'no application node carries an optimisation request' "$out.log"; then
    pass "bundled $name has no optimisation request (nothing to render)"
  else
    fail "bundled $name re-targeted at localhost-slurm: modak preprocess failed unexpectedly"
    sed 's/^/       /' "$out.log"
  fi
done
for bp in "$src"/tests/blueprints/*-slurm/service.yaml; do
  name=$(basename "$(dirname "$bp")")
  out=$TMP/own-$name
  render "test blueprint $name" "$out" --container-runtime none "$bp" || continue
  n=0
  for s in "$out"/jobs/*.sbatch; do
    [ -e "$s" ] || continue
    n=$((n + 1))
    count=$((count + 1))
    test_only "tests/blueprints/$name/$(basename "$s") (unmodified)" "$s"
  done
  ((n > 0)) || fail "tests/blueprints/$name: no .sbatch in $out/jobs"
done
((count >= 8)) || fail "only $count Slurm scripts were checked (expected the examples and the test blueprints)"
echo "# (a) $count scripts checked in $(($(now_ms) - t0)) ms"

# ---- submit (b)-(e) together, then wait --------------------------------------------------------
# one_script OUTDIR: the single .sbatch of a rendered blueprint
one_script() {
  local s=("$1"/jobs/*.sbatch)
  [ ${#s[@]} -eq 1 ] && [ -e "${s[0]}" ] && echo "${s[0]}"
}
# submit WORKDIR SCRIPT [OPTIONS]: copies the script into WORKDIR and submits it from there.
submit() {
  local dir=$1 script=$2 id
  shift 2
  mkdir -p "$dir"
  cp "$script" "$dir/"
  if id=$(cd "$dir" && sbatch --parsable "$@" "$(basename "$script")" 2>"$dir/.sbatch.err"); then
    id=${id%%;*}
    submitted+=("$id")
    echo "$id"
  else
    cat "$dir/.sbatch.err" >&2
    return 1
  fi
}
t0=$(now_ms)
own=$TMP/own

e2e_script=$(one_script "$own-e2e-slurm") || fail "(b) tests/blueprints/e2e-slurm: expected exactly one job script"
e2e_id=
[ -n "${e2e_script:-}" ] && { e2e_id=$(submit "$TMP/run-e2e" "$e2e_script") || fail "(b) sbatch of the e2e script failed"; }

first_script=$own-chain-slurm/jobs/modak-chain-first.sbatch
second_script=$own-chain-slurm/jobs/modak-chain-second.sbatch
first_id= second_id=
if [ -e "$first_script" ] && [ -e "$second_script" ]; then
  first_id=$(submit "$TMP/run-chain" "$first_script") || fail "(c) sbatch of the first chain job failed"
  [ -n "$first_id" ] && { second_id=$(submit "$TMP/run-chain" "$second_script" --dependency=afterok:"$first_id") ||
    fail "(c) sbatch --dependency=afterok:$first_id of the second chain job failed"; }
else
  fail "(c) tests/blueprints/chain-slurm: expected modak-chain-first.sbatch and modak-chain-second.sbatch"
fi

hostile_script=$(one_script "$own-hostile-slurm") || fail "(d) tests/blueprints/hostile-slurm: expected exactly one job script"
hostile_id=
[ -n "${hostile_script:-}" ] && { hostile_id=$(submit "$TMP/run-hostile" "$hostile_script") || fail "(d) sbatch of the hostile script failed"; }

fail_script=$(one_script "$own-fail-slurm") || fail "(e) tests/blueprints/fail-slurm: expected exactly one job script"
fail_id=
[ -n "${fail_script:-}" ] && { fail_id=$(submit "$TMP/run-fail" "$fail_script") || fail "(e) sbatch of the failing script failed"; }

# ---- (b) end to end ---------------------------------------------------------------------------
if [ -n "$e2e_id" ]; then
  state=$(wait_done "$e2e_id")
  code=$(field "$e2e_id" ExitCode)
  [ "$state" = COMPLETED ] && [ "$code" = 0:0 ] && pass "(b) e2e job $e2e_id: COMPLETED, ExitCode 0:0" ||
    fail "(b) e2e job $e2e_id: JobState=$state ExitCode=$code (want COMPLETED 0:0)"
  threads=$(sed -n "s/^export OMP_NUM_THREADS='\([0-9]*\)'$/\1/p" "$e2e_script")
  want="modak-ok $e2e_id ${threads:-?}"
  got=$(cat "$TMP/run-e2e/result.txt" 2>/dev/null)
  [ -n "$threads" ] && [ "$got" = "$want" ] && pass "(b) result.txt is '$want' (job id and the script's OMP_NUM_THREADS)" ||
    fail "(b) result.txt is '${got:-<missing>}', want '$want'; work dir: $(ls -A "$TMP/run-e2e" | tr '\n' ' ')"
  out=$(sed -n 's/^#SBATCH --output=//p' "$e2e_script")
  [ -n "$out" ] && [ -e "$TMP/run-e2e/$out" ] && pass "(b) the job's --output file $out exists" ||
    fail "(b) the --output file '${out:-<none>}' is missing"
fi

# ---- (c) chain --------------------------------------------------------------------------------
if [ -n "$first_id" ] && [ -n "$second_id" ]; then
  s1=$(wait_done "$first_id")
  s2=$(wait_done "$second_id")
  c1=$(field "$first_id" ExitCode) c2=$(field "$second_id" ExitCode)
  [ "$s1/$c1" = COMPLETED/0:0 ] && [ "$s2/$c2" = COMPLETED/0:0 ] &&
    pass "(c) chain $first_id -> $second_id: both COMPLETED 0:0" ||
    fail "(c) chain: first $first_id $s1 $c1, second $second_id $s2 $c2 (want both COMPLETED 0:0)"
  end1=$(field "$first_id" EndTime) start2=$(field "$second_id" StartTime)
  (($(epoch "$start2") >= $(epoch "$end1") && $(epoch "$end1") > 0)) &&
    pass "(c) the second job started ($start2) after the first ended ($end1)" ||
    fail "(c) the second job started at $start2, before the first ended at $end1"
  grep -qx second-ok "$TMP/run-chain/second.txt" 2>/dev/null && grep -qx first-done "$TMP/run-chain/first.txt" 2>/dev/null &&
    pass "(c) both steps wrote their files (the second saw the first's)" ||
    fail "(c) chain files: first.txt='$(cat "$TMP/run-chain/first.txt" 2>/dev/null)' second.txt='$(cat "$TMP/run-chain/second.txt" 2>/dev/null)'"
fi

# ---- (d) hostile values -----------------------------------------------------------------------
if [ -n "$hostile_id" ]; then
  state=$(wait_done "$hostile_id")
  code=$(field "$hostile_id" ExitCode)
  [ "$state" = COMPLETED ] && [ "$code" = 0:0 ] && pass "(d) hostile job $hostile_id ran: COMPLETED 0:0" ||
    fail "(d) hostile job $hostile_id: JobState=$state ExitCode=$code (want COMPLETED 0:0)"
  canaries=$(find "$TMP/run-hostile" "$own-hostile-slurm" -name 'CANARY[0-9]*' ! -name '*_*' ! -name '*-*' 2>/dev/null)
  [ -z "$canaries" ] && pass "(d) no CANARY file was created" || fail "(d) shell code from the blueprint ran: $canaries"
  out=$(sed -n 's/^#SBATCH --output=//p' "$hostile_script")
  log=$TMP/run-hostile/$out
  # /bin/echo got the hostile text as data: each piece appears literally in its output
  missing=
  for piece in 'exe:$(touch' 'exe:`touch' 'exe:;touch' 'exe:; touch CANARY4; ' 'exe:$(touch CANARY5)' \
    'arg:$(touch' 'arg:`touch' 'arg:; touch CANARY4; ' 'arg:$(touch CANARY5)' '${HOME}$(touch' '$HOME`touch'; do
    grep -qF -- "$piece" "$log" 2>/dev/null || missing+=" [$piece]"
  done
  [ -n "$out" ] && [ -z "$missing" ] && pass "(d) the job echoed every hostile argument literally" ||
    fail "(d) output '${out:-<no --output>}' lacks:$missing; it holds: $(cat "$log" 2>/dev/null)"
  # and no directive line carries a shell metacharacter or an unsanitised value
  bad=$(sed -n 's/^#SBATCH //p' "$hostile_script" | grep -E '[][$`;'"'"'"(){}<>|&\\ *?!~]' || true)
  [ -z "$bad" ] && pass "(d) no #SBATCH line carries a shell metacharacter" || fail "(d) directive lines with metacharacters: $bad"
fi

# ---- (e) failing job ----------------------------------------------------------------------------
if [ -n "$fail_id" ]; then
  state=$(wait_done "$fail_id")
  code=$(field "$fail_id" ExitCode)
  [ "$state" = FAILED ] && [ "$code" = 3:0 ] && pass "(e) failing job $fail_id: FAILED, ExitCode 3:0" ||
    fail "(e) failing job $fail_id: JobState=$state ExitCode=$code (want FAILED 3:0)"
  grep -qx failing-ran "$TMP/run-fail/modak-fail-exit3.out" 2>/dev/null && pass "(e) the failing job ran (its output is there)" ||
    fail "(e) the failing job's output is missing: $(ls -A "$TMP/run-fail" | tr '\n' ' ')"
fi
echo "# (b)-(e) submitted and finished in $(($(now_ms) - t0)) ms"

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
