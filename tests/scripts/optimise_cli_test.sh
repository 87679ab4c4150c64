#!/usr/bin/env bash
# `modak optimise` at the command line (issue 3): --explain prints a ranked table with the winner
# marked; -o writes a blueprint `modak validate` accepts; the same input gives the same bytes; the
# input file is never changed; a MODAK JSON request chooses a CPU image on a CPU-only site and a
# GPU image on a GPU site; --format json is JSON; an invalid request exits 1 with file:line:col.
#
# Usage: bash optimise_cli_test.sh MODAK SOURCE_DIR      (exit 77 = skipped)
set -u

MODAK=${1:?usage: optimise_cli_test.sh MODAK SOURCE_DIR}
SRC=${2:?usage: optimise_cli_test.sh MODAK SOURCE_DIR}
PY=/usr/bin/python3

if [ ! -x "$MODAK" ]; then echo "SKIP: $MODAK is not an executable"; exit 77; fi
if [ ! -x "$PY" ]; then echo "SKIP: $PY not found (needed to parse JSON)"; exit 77; fi
if ! command -v sha256sum >/dev/null; then echo "SKIP: sha256sum not found"; exit 77; fi

BLUEPRINT="$SRC/blueprints/resnet50-slurm/service.yaml"
if [ ! -f "$BLUEPRINT" ]; then echo "SKIP: $BLUEPRINT not found"; exit 77; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-optimise-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

# Runs modak; stdout -> $TMP/out, stderr -> $TMP/err, status -> $rc.
run() {
  "$MODAK" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
}
show() { echo "  --- stdout"; sed 's/^/  | /' "$TMP/out" | head -40; echo "  --- stderr"; sed 's/^/  | /' "$TMP/err" | head -40; }

before=$(sha256sum "$BLUEPRINT" | cut -d' ' -f1)

# 1. --explain: a ranked table, the winner marked.
run optimise --explain "$BLUEPRINT"
if [ "$rc" -eq 0 ] && grep -q '<- chosen' "$TMP/out" && grep -qE '^ +rank +image +compiler +build +predicted' "$TMP/out" &&
   [ "$(grep -cE '^ +[0-9]+ +[^ ]+ +(none|xla|ngraph|glow|tvm) ' "$TMP/out")" -ge 2 ] &&
   [ "$(grep -c '<- chosen' "$TMP/out")" -eq 1 ]; then
  pass "optimise --explain prints a ranked table with '<- chosen'"
else
  fail "optimise --explain prints a ranked table with '<- chosen' (exit $rc)"; show
fi
# The chosen row is rank 1.
if grep -E '<- chosen' "$TMP/out" | grep -qE '^ +1 '; then
  pass "the chosen candidate is ranked first"
else
  fail "the chosen candidate is ranked first"; show
fi

# Every bundled example that carries a request: one '<- chosen' per optimised node, exit 0.
for example in "$SRC"/blueprints/*/service.yaml; do
  name=$(basename "$(dirname "$example")")
  run optimise --explain "$example"
  nodes=$(grep -cE '^[^ ].*: target [^ ]+, partition ' "$TMP/out")
  chosen=$(grep -c '<- chosen' "$TMP/out")
  if [ "$rc" -eq 0 ] && [ "$nodes" -eq "$chosen" ]; then
    pass "optimise --explain blueprints/$name: $chosen node(s), each with a chosen candidate"
  else
    fail "optimise --explain blueprints/$name (exit $rc, $nodes node(s), $chosen chosen)"; show
  fi
done

# 2. -o writes a blueprint that modak validate accepts.
run optimise "$BLUEPRINT" -o "$TMP/one.yaml"
if [ "$rc" -eq 0 ] && [ -s "$TMP/one.yaml" ]; then
  pass "optimise -o writes the annotated blueprint"
else
  fail "optimise -o writes the annotated blueprint (exit $rc)"; show
fi
run validate "$TMP/one.yaml"
if [ "$rc" -eq 0 ]; then
  pass "modak validate accepts the optimised blueprint"
else
  fail "modak validate accepts the optimised blueprint (exit $rc)"; show
fi
if grep -q 'modak.image' "$TMP/one.yaml" && grep -q 'container_runtime' "$TMP/one.yaml"; then
  pass "the optimised blueprint carries the decision (modak.image, container_runtime)"
else
  fail "the optimised blueprint carries the decision (modak.image, container_runtime)"
fi

# 3. Same input, same bytes out (to a different file, and into a directory).
run optimise "$BLUEPRINT" -o "$TMP/two.yaml"
if [ "$rc" -eq 0 ] && cmp -s "$TMP/one.yaml" "$TMP/two.yaml"; then
  pass "optimising twice gives byte-identical output"
else
  fail "optimising twice gives byte-identical output (exit $rc)"; diff "$TMP/one.yaml" "$TMP/two.yaml" | head -20
fi
run optimise --explain "$BLUEPRINT"
cp "$TMP/out" "$TMP/explain1"
run optimise --explain "$BLUEPRINT"
if cmp -s "$TMP/out" "$TMP/explain1"; then
  pass "--explain output is deterministic"
else
  fail "--explain output is deterministic"; diff "$TMP/out" "$TMP/explain1" | head -20
fi

# 4. The input is unchanged.
after=$(sha256sum "$BLUEPRINT" | cut -d' ' -f1)
if [ "$before" = "$after" ]; then
  pass "the input blueprint is unchanged (sha256)"
else
  fail "the input blueprint is unchanged (sha256 $before -> $after)"
fi
# ... and -o pointing at the input itself is refused.
cp -R "$SRC/blueprints/resnet50-slurm" "$TMP/copy"
copy_before=$(sha256sum "$TMP/copy/service.yaml" | cut -d' ' -f1)
run optimise "$TMP/copy/service.yaml" -o "$TMP/copy/service.yaml"
copy_after=$(sha256sum "$TMP/copy/service.yaml" | cut -d' ' -f1)
if [ "$rc" -ne 0 ] && [ "$copy_before" = "$copy_after" ]; then
  pass "-o onto the input is refused and leaves it unchanged"
else
  fail "-o onto the input is refused and leaves it unchanged (exit $rc)"; show
fi

# 5. --format json on a blueprint parses as JSON (an array of decisions).
run optimise --format json "$BLUEPRINT"
if [ "$rc" -eq 0 ] && "$PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, list) and len(j) >= 1, j
d = j[0]
for key in ("node", "target", "image", "image_id", "graph_compiler", "resources", "launcher", "environment", "candidates", "rejected", "why"):
    assert key in d, key
assert d["candidates"] and d["candidates"][0]["image"] == d["image_id"]
times = [c["predicted_time"] for c in d["candidates"]]
assert times == sorted(times), times
' "$TMP/out"; then
  pass "--format json parses as JSON with ranked candidates"
else
  fail "--format json parses as JSON with ranked candidates (exit $rc)"; show
fi

# 6. A MODAK JSON request: CPU-only site -> CPU image, GPU site -> GPU image.
write_request() {  # $1 = target, $2 = file
  cat >"$2" <<EOF
{
  "job": {
    "job_options": {"job_name": "train"},
    "application": {"app_type": "ai_training", "executable": "python3 train.py"},
    "target": {"name": "$1"},
    "optimisation": {
      "enable_opt_build": true,
      "app_type": "ai_training",
      "opt_build": {"cpu_type": "x86", "acc_type": "nvidia"},
      "app_type-ai_training": {
        "config": {"ai_framework": "tensorflow"},
        "data": {},
        "ai_framework-tensorflow": {"version": "2.1"}
      }
    }
  }
}
EOF
}
accelerator_of() {  # prints "<image_id> <accelerator-guess> <gpus_per_node>" from a decision JSON
  "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
gpu = "gpu" in d["image_id"] or d["resources"]["gpus_per_node"] > 0 or "--nv" in d["container_flags"]
print(d["image_id"], "gpu" if gpu else "cpu", d["target"])
' "$1"
}
write_request example-cpu-cluster "$TMP/cpu.json"
write_request example-gpu-cluster "$TMP/gpu.json"
run optimise --format json "$TMP/cpu.json"
cpu_rc=$rc
cp "$TMP/out" "$TMP/cpu.out"
cpu=$(accelerator_of "$TMP/cpu.out" 2>/dev/null)
run optimise --format json "$TMP/gpu.json"
gpu_rc=$rc
cp "$TMP/out" "$TMP/gpu.out"
gpu=$(accelerator_of "$TMP/gpu.out" 2>/dev/null)
echo "  cpu site: $cpu"
echo "  gpu site: $gpu"
if [ "$cpu_rc" -eq 0 ] && [ "${cpu#* }" = "cpu example-cpu-cluster" ]; then
  pass "request on example-cpu-cluster chooses a CPU image"
else
  fail "request on example-cpu-cluster chooses a CPU image (exit $cpu_rc)"; cat "$TMP/cpu.out" | head -20
fi
if [ "$gpu_rc" -eq 0 ] && [ "${gpu#* }" = "gpu example-gpu-cluster" ]; then
  pass "request on example-gpu-cluster chooses a GPU image"
else
  fail "request on example-gpu-cluster chooses a GPU image (exit $gpu_rc)"; cat "$TMP/gpu.out" | head -20
fi
if [ "${cpu%% *}" != "${gpu%% *}" ]; then
  pass "the choice changes with the target"
else
  fail "the choice changes with the target (both ${cpu%% *})"
fi
# --target overrides the request's target the same way.
run optimise --format json --target example-gpu-cluster "$TMP/cpu.json"
over=$(accelerator_of "$TMP/out" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "$over" = "$gpu" ]; then
  pass "--target example-gpu-cluster overrides the request's target"
else
  fail "--target example-gpu-cluster overrides the request's target (exit $rc, got '$over')"
fi
# --explain on the request: both sites print a ranked table.
run optimise "$TMP/gpu.json"
if [ "$rc" -eq 0 ] && grep -q '<- chosen' "$TMP/out"; then
  pass "a JSON request prints the ranked table by default"
else
  fail "a JSON request prints the ranked table by default (exit $rc)"; show
fi
# -o on a request writes the decision JSON.
run optimise "$TMP/gpu.json" -o "$TMP/gpu.decision.json"
if [ "$rc" -eq 0 ] && "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["image_id"]' "$TMP/gpu.decision.json"; then
  pass "optimise REQUEST.json -o writes the decision as JSON"
else
  fail "optimise REQUEST.json -o writes the decision as JSON (exit $rc)"; show
fi

# 7. An invalid request (unknown field) exits 1 with a file:line:col error.
sed 's/"job_name": "train"/"job_name": "train", "nodes": 2/' "$TMP/cpu.json" >"$TMP/bad.json"
line=$(grep -n '"nodes": 2' "$TMP/bad.json" | cut -d: -f1)
col=$(awk -v l="$line" 'NR == l { print index($0, "\"nodes\"") }' "$TMP/bad.json")
run optimise "$TMP/bad.json"
if [ "$rc" -eq 1 ] && grep -qF "bad.json:$line:$col: error[unknown-field]" "$TMP/err"; then
  pass "an unknown field in a request exits 1 with bad.json:$line:$col"
else
  fail "an unknown field in a request exits 1 with bad.json:$line:$col (exit $rc)"; show
fi
run optimise --format json "$TMP/bad.json"
if [ "$rc" -eq 1 ]; then
  pass "an invalid request exits 1 with --format json too"
else
  fail "an invalid request exits 1 with --format json too (exit $rc)"; show
fi
# An inconsistent request (80 ranks on 2 x 1) exits 1 with a located error.
cat >"$TMP/ranks.json" <<'EOF'
{"job": {
  "job_options": {"node_count": 2, "process_count_per_node": 1},
  "application": {"app_type": "hpc", "mpi_ranks": 80},
  "target": {"name": "example-cpu-cluster"},
  "optimisation": {"enable_opt_build": true, "app_type": "hpc",
    "app_type-hpc": {"config": {"parallelisation": "mpi"}, "parallelisation-mpi": {"library": "mpich"}}}}}
EOF
run optimise "$TMP/ranks.json"
if [ "$rc" -eq 1 ] && grep -qE 'ranks\.json:3:[0-9]+: error' "$TMP/err"; then
  pass "80 ranks on 2 nodes x 1 task exits 1 with the location of mpi_ranks"
else
  fail "80 ranks on 2 nodes x 1 task exits 1 with the location of mpi_ranks (exit $rc)"; show
fi
# A missing file is a usage/I-O error (2), not "invalid".
run optimise "$TMP/does-not-exist.json"
if [ "$rc" -eq 2 ]; then
  pass "a missing request file exits 2"
else
  fail "a missing request file exits 2 (exit $rc)"; show
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
exit 0
