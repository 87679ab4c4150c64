#!/usr/bin/env bash
# The PBS Pro and Torque scripts modak renders, checked by real parsers: Slurm's own #PBS reader
# (`sbatch --test-only script.pbs`; Slurm reads #PBS directives when a script has no #SBATCH
# ones) and the qsub wrapper of slurm-wlm-torque (`qsub --sbatchline` with the script's #PBS
# options must print an sbatch command). Scripts: every bundled example rendered with
# --adapter pbspro and --adapter torque (sized for other sites: --partition=debug and smaller
# resources on the sbatch command line) and the test blueprints tests/blueprints/*-slurm
# (target localhost-slurm: unmodified). The per-dialect grammar Slurm does not check (PBS Pro
# chunks, place, name rules, arrays) is in tests/render/pbs_directives_test.cpp.
#
# Usage: bash render_pbs_test.sh MODAK SOURCE_DIR
# Needs SLURM_CONF. Exit 77 = skipped (no cluster), unless MODAK_REQUIRE_SLURM=1.
set -u
modak=${1:?usage: render_pbs_test.sh MODAK SOURCE_DIR}
src=${2:?usage: render_pbs_test.sh MODAK SOURCE_DIR}
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
for cmd in sbatch sinfo; do
  command -v "$cmd" >/dev/null || unavailable "$cmd not found"
done
timeout 10 sinfo -h >/dev/null 2>&1 || unavailable "sinfo fails with SLURM_CONF=$SLURM_CONF"
have_qsub=0
command -v qsub >/dev/null && grep -q sbatchline "$(command -v qsub)" 2>/dev/null && have_qsub=1
((have_qsub)) || echo "note: no qsub wrapper with --sbatchline (slurm-wlm-torque): that part is not checked"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-render-pbs.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
now_ms() { date +%s%3N; }
t0=$(now_ms)

# check LABEL SCRIPT SHRINK(0|1)
check() {
  local label=$1 s=$2 shrink=$3 out opts=() lres=()
  grep -q '^#PBS ' "$s" || fail "$label: no #PBS directive"
  if grep -q '^#SBATCH' "$s"; then fail "$label: has #SBATCH lines (Slurm would ignore its #PBS ones)"; fi
  local extra=()
  ((shrink)) && extra=(--partition=debug --nodes=1 --ntasks=1 --ntasks-per-node=1 --cpus-per-task=1 --mincpus=1)
  if out=$(cd "$(dirname "$s")" && sbatch --test-only "${extra[@]}" "$(basename "$s")" 2>&1); then
    pass "sbatch --test-only (#PBS reader) accepts $label${extra[*]:+ (with ${extra[*]})}"
  else
    fail "sbatch --test-only rejects $label: $out"
    sed 's/^/       | /' "$s"
  fi
  ((have_qsub)) || return 0
  # the directives as qsub options; the wrapper keeps only its last -l, so they are merged
  local line opt val
  while IFS= read -r line; do
    opt=${line%% *}
    val=${line#"$opt"}
    val=${val# }
    if [ "$opt" = -l ]; then lres+=("$val")
    elif [ -n "$val" ]; then opts+=("$opt" "$val")
    else opts+=("$opt"); fi
  done < <(sed -n 's/^#PBS //p' "$s")
  ((${#lres[@]})) && opts+=(-l "$(IFS=,; echo "${lres[*]}")")
  if out=$(cd "$(dirname "$s")" && qsub --sbatchline "${opts[@]}" "$(basename "$s")" 2>&1) &&
    grep -q 'sbatch' <<<"$out"; then
    pass "qsub --sbatchline takes the #PBS options of $label"
  else
    fail "qsub --sbatchline ${opts[*]} rejects $label: $out"
  fi
}

count=0
for adapter in pbspro torque; do
  for bp in "$src"/blueprints/*/service.yaml; do
    name=$(basename "$(dirname "$bp")")
    out=$TMP/$adapter-$name
    if ! "$modak" preprocess -q --adapter "$adapter" "$bp" -o "$out" >"$out.log" 2>&1; then
      fail "bundled $name --adapter $adapter: modak preprocess failed"
      sed 's/^/       /' "$out.log"
      continue
    fi
    for s in "$out"/jobs/*.pbs; do
      [ -e "$s" ] || continue
      count=$((count + 1))
      check "$adapter bundled $name/$(basename "$s")" "$s" 1
    done
  done
  for bp in "$src"/tests/blueprints/*-slurm/service.yaml; do
    name=$(basename "$(dirname "$bp")")
    out=$TMP/$adapter-own-$name
    if ! "$modak" preprocess -q --adapter "$adapter" --container-runtime none "$bp" -o "$out" >"$out.log" 2>&1; then
      fail "tests/blueprints/$name --adapter $adapter: modak preprocess failed"
      sed 's/^/       /' "$out.log"
      continue
    fi
    for s in "$out"/jobs/*.pbs; do
      [ -e "$s" ] || continue
      count=$((count + 1))
      check "$adapter tests/blueprints/$name/$(basename "$s") (unmodified)" "$s" 0
      # no directive carries a shell metacharacter (hostile-slurm puts shell code everywhere)
      bad=$(sed -n 's/^#PBS -[A-Za-z] \{0,1\}//p' "$s" | grep -E '[][$`;'"'"'"(){}<>|&\\ *?!~]' || true)
      [ -z "$bad" ] || fail "$adapter $name: #PBS values with shell metacharacters: $bad"
    done
  done
done
((count >= 16)) || fail "only $count PBS scripts were checked"
echo "# $count PBS/Torque scripts checked in $(($(now_ms) - t0)) ms"
if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
