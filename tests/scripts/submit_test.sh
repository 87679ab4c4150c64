#!/usr/bin/env bash
# modak submit + status on the local Slurm test cluster (tests/real/slurm-up.sh; scripts/test.sh
# exports SLURM_CONF):
#   (a) tests/blueprints/chain-dep-slurm (second-run depends on first-result): `modak submit OUT
#       --wait` submits both, the second with --dependency=afterok:<first>, both COMPLETED, the
#       second started after the first ended and saw its file; ids in OUT/.modak-jobs.json;
#   (b) tests/blueprints/fail-slurm (exit 3): `modak submit --wait` and `modak status` exit 1 and
#       report FAILED with exit 3:0;
#   (c) clear errors: a rejected submission (sbatch's stderr), a missing sbatch, --timeout.
# Exit 77 = skipped (no cluster) unless MODAK_REQUIRE_SLURM=1, then that is a failure.
set -u
modak=${1:?usage: submit_test.sh MODAK SOURCE_DIR}
src=${2:?usage: submit_test.sh MODAK SOURCE_DIR}
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
unavailable() {
  if [ "${MODAK_REQUIRE_SLURM:-0}" = 1 ]; then echo "FAIL - $1 (MODAK_REQUIRE_SLURM=1)"; exit 1; fi
  echo "SKIP: $1"; exit 77
}
[ -n "${SLURM_CONF:-}" ] || unavailable "SLURM_CONF is not set (start a cluster: eval \"\$(bash tests/real/slurm-up.sh)\")"
for cmd in sbatch scontrol scancel; do command -v "$cmd" >/dev/null || unavailable "$cmd not found"; done
timeout 10 sinfo -h >/dev/null 2>&1 || unavailable "sinfo fails with SLURM_CONF=$SLURM_CONF"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-submit.XXXXXX")
chmod 0755 "$TMP"
cleanup() {
  # cancel only what this test submitted (finished jobs ignore it)
  ids=$(cat "$TMP"/*/.modak-jobs.json 2>/dev/null | python3 -c 'import sys,json,re
for doc in re.split(r"(?m)^(?=\{)", sys.stdin.read()):
    doc=doc.strip()
    if doc:
        for j in json.loads(doc)["jobs"]: print(j["id"])' 2>/dev/null)
  [ -n "$ids" ] && scancel $ids >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
field() { scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
epoch() { date -d "$1" +%s 2>/dev/null || echo 0; }
render() {  # BLUEPRINT OUT
  "$modak" preprocess -q --container-runtime none "$1" -o "$2" >"$2.log" 2>&1 || { fail "modak preprocess $1: $(cat "$2.log")"; return 1; }
}

# ---- (a) a two-job chain with a dependency -----------------------------------------------------
out=$TMP/chain
if render "$src/tests/blueprints/chain-dep-slurm/service.yaml" "$out"; then
  "$modak" submit "$out" --dry-run >"$TMP/dry.txt" 2>&1
  grep -q '^second-job: sbatch --parsable --dependency=afterok:\$1 ' "$TMP/dry.txt" &&
    pass "--dry-run: the second job waits for the first (afterok)" || fail "--dry-run: $(cat "$TMP/dry.txt")"
  t0=$(date +%s)
  "$modak" submit "$out" --wait --timeout 120 >"$TMP/chain.jsonl" 2>"$TMP/chain.err"
  rc=$?
  [ $rc = 0 ] && pass "modak submit --wait: exit 0 ($(($(date +%s) - t0)) s)" || fail "modak submit --wait: exit $rc: $(cat "$TMP/chain.err")"
  read -r first second < <(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); ids={j["node"]: j["id"] for j in d["jobs"]}
print(ids.get("first-job",""), ids.get("second-job",""))' "$out/.modak-jobs.json" 2>/dev/null)
  [ -n "${first:-}" ] && [ -n "${second:-}" ] && pass "job ids recorded in .modak-jobs.json ($first, $second)" ||
    fail ".modak-jobs.json: $(cat "$out/.modak-jobs.json" 2>/dev/null)"
  if [ -n "${second:-}" ]; then
    dep=$(scontrol show job -o "$second" | grep -o 'Dependency=[^ ]*')
    sub=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e.get("event")=="submitted" and e["node"]=="second-job": print(",".join(e["after"]))' "$TMP/chain.jsonl")
    [ "$sub" = first-job ] && pass "the submitted event of the second job names first-job as its dependency" ||
      fail "submitted events: $(grep submitted "$TMP/chain.jsonl")"
    [[ "$dep" == "Dependency=(null)" || "$dep" == *"afterok:$first"* ]] && pass "Slurm recorded the second job's dependency ($dep)" ||
      fail "second job's Dependency: $dep"
    s1=$(field "$first" JobState) s2=$(field "$second" JobState)
    [ "$s1/$s2" = COMPLETED/COMPLETED ] && pass "both jobs COMPLETED" || fail "states $s1 / $s2"
    end1=$(field "$first" EndTime) start2=$(field "$second" StartTime)
    (($(epoch "$start2") >= $(epoch "$end1") && $(epoch "$end1") > 0)) && pass "the second started ($start2) after the first ended ($end1)" ||
      fail "second started $start2, first ended $end1"
    grep -qx second-ok "$out/second.txt" 2>/dev/null && pass "the second step saw the first one's file" || fail "second.txt missing"
    grep -q '"event":"done".*"ok":true' "$TMP/chain.jsonl" && pass "JSON lines end with a done event, ok" || fail "no done/ok event: $(tail -2 "$TMP/chain.jsonl")"
    "$modak" status "$out" >"$TMP/st.jsonl" 2>&1 && [ "$(grep -c '"state":"COMPLETED"' "$TMP/st.jsonl")" = 2 ] &&
      pass "modak status OUT: both COMPLETED, exit 0" || fail "modak status: $(cat "$TMP/st.jsonl")"
  fi
fi

# ---- (b) a failing job -------------------------------------------------------------------------
out=$TMP/fail
if render "$src/tests/blueprints/fail-slurm/service.yaml" "$out"; then
  "$modak" submit "$out" --wait --timeout 120 >"$TMP/fail.jsonl" 2>"$TMP/fail.err"
  rc=$?
  [ $rc = 1 ] && pass "modak submit --wait on a failing job: exit 1" || fail "modak submit --wait: exit $rc (want 1)"
  grep -q '"state":"FAILED".*' "$TMP/fail.jsonl" && grep -q '"exit_code":"3:0"' "$TMP/fail.jsonl" &&
    grep -q 'FAILED (exit 3:0)' "$TMP/fail.err" && pass "reported FAILED with exit 3:0" || fail "report: $(cat "$TMP/fail.jsonl" "$TMP/fail.err")"
  "$modak" status "$out" >"$TMP/fst.jsonl" 2>"$TMP/fst.err"
  rc=$?
  [ $rc = 1 ] && grep -q '"state":"FAILED"' "$TMP/fst.jsonl" && pass "modak status OUT: FAILED, exit 1" || fail "modak status: exit $rc: $(cat "$TMP/fst.jsonl")"
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobs"][0]["id"])' "$out/.modak-jobs.json")
  "$modak" status --progress tty "$id" >"$TMP/tty.txt" 2>&1
  rc=$?
  [ $rc = 1 ] && grep -q "$id .*FAILED (exit 3:0)" "$TMP/tty.txt" && pass "modak status JOBID (terminal display): FAILED, exit 1" ||
    fail "modak status $id: exit $rc: $(cat "$TMP/tty.txt")"
fi

# ---- (c) clear errors ----------------------------------------------------------------------------
out=$TMP/reject
if render "$src/tests/blueprints/fail-slurm/service.yaml" "$out"; then
  sed -i 's/^#SBATCH --partition=.*/#SBATCH --partition=no-such-partition/' "$out"/jobs/*.sbatch
  # keep service.yaml's content in step with the edited script (read_job_chain matches them)
  python3 - "$out" <<'PY'
import sys, glob, yaml
out = sys.argv[1]
d = yaml.safe_load(open(out + "/service.yaml"))
script = open(glob.glob(out + "/jobs/*.sbatch")[0]).read()
for n in d["topology_template"]["node_templates"].values():
    if "JobExecution" in n.get("type", ""): n["properties"]["content"] = script
yaml.safe_dump(d, open(out + "/service.yaml", "w"), sort_keys=False)
PY
  "$modak" submit "$out" >"$TMP/rej.out" 2>"$TMP/rej.err"
  rc=$?
  [ $rc = 2 ] && grep -q 'sbatch rejected job .*invalid partition' "$TMP/rej.err" &&
    pass "a rejected submission: exit 2 with sbatch's message" || fail "rejected submission: exit $rc: $(cat "$TMP/rej.err")"
fi
out=$TMP/nosbatch
if render "$src/tests/blueprints/fail-slurm/service.yaml" "$out"; then
  PATH=/nonexistent "$(command -v "$modak" || echo "$modak")" submit "$out" >/dev/null 2>"$TMP/miss.err"
  rc=$?
  [ $rc = 2 ] && grep -q 'sbatch: command not found' "$TMP/miss.err" && pass "a missing sbatch: exit 2, 'sbatch: command not found'" ||
    fail "missing sbatch: exit $rc: $(cat "$TMP/miss.err")"
fi
out=$TMP/slow
if render "$src/tests/blueprints/chain-dep-slurm/service.yaml" "$out"; then
  sed -i 's/sleep 2;/sleep 30;/' "$out/jobs/modak-dep-first.sbatch"
  python3 - "$out" <<'PY'
import sys, yaml
out = sys.argv[1]
d = yaml.safe_load(open(out + "/service.yaml"))
d["topology_template"]["node_templates"]["first-job"]["properties"]["content"] = open(out + "/jobs/modak-dep-first.sbatch").read()
yaml.safe_dump(d, open(out + "/service.yaml", "w"), sort_keys=False)
PY
  t0=$(date +%s)
  "$modak" submit "$out" --wait --timeout 3 >"$TMP/slow.jsonl" 2>"$TMP/slow.err"
  rc=$?
  took=$(($(date +%s) - t0))
  [ $rc = 3 ] && ((took < 15)) && grep -q 'timed out after 3 s' "$TMP/slow.err" && pass "--timeout 3: exit 3 after ${took} s, a clear message" ||
    fail "--timeout: exit $rc after ${took}s: $(cat "$TMP/slow.err")"
  read -r first second < <(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); ids={j["node"]: j["id"] for j in d["jobs"]}
print(ids.get("first-job",""), ids.get("second-job",""))' "$out/.modak-jobs.json" 2>/dev/null)
  dep=$(scontrol show job -o "${second:-0}" 2>/dev/null | grep -o 'Dependency=[^ ]*')
  [[ "$dep" == "Dependency=afterok:${first:-x}"* ]] && pass "while the first runs, Slurm holds the second on $dep" ||
    fail "second job's dependency while the first runs: '$dep' (first ${first:-?})"
fi

((failures)) && { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
