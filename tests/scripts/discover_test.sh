#!/usr/bin/env bash
# modak discover on the real machine: hwloc's lstopo and the local Slurm test cluster
# (tests/real/slurm-up.sh; scripts/test.sh exports SLURM_CONF). The discovered target must pass
# modak's knowledge checks (tests/scripts/knowledge_data_test.py's rules), describe the cluster
# Slurm reports (partition debug, node localhost) with hwloc's topology, and `modak optimise
# --targets DIR --target NAME` must use it. Recorded nvidia-smi output adds GPUs to the
# GRES-gpu partition. Exit 77 = skipped (no lstopo or no cluster) unless MODAK_REQUIRE_SLURM=1.
set -u
modak=${1:?usage: discover_test.sh MODAK SOURCE_DIR}
src=${2:?usage: discover_test.sh MODAK SOURCE_DIR}
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
unavailable() {
  if [ "${MODAK_REQUIRE_SLURM:-0}" = 1 ]; then echo "FAIL - $1 (MODAK_REQUIRE_SLURM=1)"; exit 1; fi
  echo "SKIP: $1"; exit 77
}
command -v lstopo >/dev/null || unavailable "lstopo not found (scripts/install-deps.sh installs hwloc)"
[ -n "${SLURM_CONF:-}" ] || unavailable "SLURM_CONF is not set (start a cluster: eval \"\$(bash tests/real/slurm-up.sh)\")"
timeout 10 scontrol show partition --oneliner >/dev/null 2>&1 || unavailable "scontrol fails with SLURM_CONF=$SLURM_CONF"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-discover.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
check_target() {  # FILE NAME: the knowledge checks of knowledge_data_test.py on one target
  python3 - "$src/tests/scripts" "$1" "$2" <<'PY'
import importlib.util, sys, yaml
spec = importlib.util.spec_from_file_location("kd", sys.argv[1] + "/knowledge_data_test.py")
kd = importlib.util.module_from_spec(spec); spec.loader.exec_module(kd)
doc = yaml.safe_load(open(sys.argv[2]))
assert doc.get("modak_knowledge") == 1, "modak_knowledge: 1 missing"
t = doc["targets"][sys.argv[3]]
kd.check_target(sys.argv[3], sys.argv[3], t)
for p in kd.PROBLEMS: print("       " + p)
sys.exit(1 if kd.PROBLEMS else 0)
PY
}
field() { python3 -c 'import sys,yaml; d=yaml.safe_load(open(sys.argv[1])); v=d
for k in sys.argv[2].split("."): v=v[k] if not isinstance(v,list) else v[int(k)]
print(v)' "$@"; }

# ---- live discovery -----------------------------------------------------------------------------
out=$TMP/targets/discovered.yaml
if "$modak" discover --name ci-discovered -o "$out" 2>"$TMP/discover.err"; then
  pass "modak discover -o $out"
else
  fail "modak discover failed: $(cat "$TMP/discover.err")"
fi
[ -s "$out" ] && check_target "$out" ci-discovered && pass "the discovered target passes the knowledge checks" ||
  fail "the discovered target fails the knowledge checks"
t=targets.ci-discovered
[ "$(field "$out" $t.scheduler 2>/dev/null)" = slurm ] && pass "scheduler slurm" || fail "scheduler is $(field "$out" $t.scheduler 2>/dev/null)"
[ "$(field "$out" $t.default_partition 2>/dev/null)" = debug ] && pass "default partition debug (Slurm's Default=YES)" ||
  fail "default_partition $(field "$out" $t.default_partition 2>/dev/null)"
cores=$(lstopo-no-graphics --only core 2>/dev/null | wc -l)
[ "$cores" -gt 0 ] || cores=$(lstopo --only core | wc -l)
got=$(python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1]))["targets"]["ci-discovered"]["partitions"]["debug"]["cpu"]; print(c["sockets"]*c["cores_per_socket"])' "$out" 2>/dev/null)
[ "$got" = "$cores" ] && pass "partition debug: $got cores per node, as lstopo counts" || fail "cores per node $got, lstopo counts $cores"
isa=$(field "$out" $t.partitions.debug.cpu.isa_level 2>/dev/null)
want=x86-64
grep -qw sse4_2 /proc/cpuinfo && want=x86-64-v2
grep -qw avx2 /proc/cpuinfo && want=x86-64-v3
grep -qw avx512f /proc/cpuinfo && want=x86-64-v4
[ "$(uname -m)" = x86_64 ] || want=$isa
[ "$isa" = "$want" ] && pass "isa_level $isa from /proc/cpuinfo flags" || fail "isa_level $isa, want $want"
grep -q 'source: .*lstopo --of xml (hwloc' "$out" && grep -q 'scontrol show partition/node --oneliner' "$out" &&
  pass "source fields name hwloc and scontrol" || fail "source fields do not name lstopo/scontrol"
if scontrol show node --oneliner | grep -q 'Gres=gpu' && ! command -v nvidia-smi >/dev/null; then
  ! python3 -c 'import sys,yaml; sys.exit(0 if "gpus" in yaml.safe_load(open(sys.argv[1]))["targets"]["ci-discovered"]["partitions"]["debug"] else 1)' "$out" &&
    grep -q 'no GPU hardware was seen' "$out" && pass "Slurm's fake GRES GPUs without hardware are reported, not described as GPUs" ||
    fail "fake GRES GPUs were described as real GPUs"
fi

# ---- the optimiser uses it ------------------------------------------------------------------------
bp=$src/tests/blueprints/e2e-slurm/service.yaml
if "$modak" optimise --format json --targets "$TMP/targets" --target ci-discovered "$bp" >"$TMP/opt.json" 2>"$TMP/opt.err"; then
  n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for x in d if x.get("target")=="ci-discovered" and x.get("partition")=="debug"))' "$TMP/opt.json" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && pass "modak optimise --targets DIR --target ci-discovered places the job on ci-discovered/debug" ||
    fail "modak optimise output does not name ci-discovered/debug: $(head -c 400 "$TMP/opt.json")"
else
  fail "modak optimise --targets $TMP/targets --target ci-discovered failed: $(cat "$TMP/opt.err")"
fi
if "$modak" preprocess -q --targets "$TMP/targets" --target ci-discovered --container-runtime none "$bp" -o "$TMP/pre" >"$TMP/pre.log" 2>&1 &&
  (cd "$TMP/pre/jobs" && sbatch --test-only ./*.sbatch) >"$TMP/testonly.log" 2>&1; then
  pass "a script rendered for the discovered target passes sbatch --test-only on the cluster it describes"
else
  fail "preprocess/sbatch --test-only for the discovered target: $(cat "$TMP/pre.log" "$TMP/testonly.log" 2>/dev/null)"
fi

# ---- recorded nvidia-smi output: GPUs on the GRES partition ------------------------------------------
s=$src/tests/discover/samples
"$modak" discover -q --name ci-gpu -o "$TMP/gpu/ci-gpu.yaml" --nvidia-smi-xml "$s/nvidia-smi-2x-v100.xml" \
  --lstopo-xml "$s/lstopo-2socket-2gpu.xml" --cpuinfo "$s/cpuinfo-cascadelake.txt" \
  --scontrol-partitions "$s/scontrol-partition-gpu-cluster.txt" --scontrol-nodes "$s/scontrol-node-gpu-cluster.txt" 2>"$TMP/gpu.err" &&
  check_target "$TMP/gpu/ci-gpu.yaml" ci-gpu && pass "recorded GPU cluster outputs -> a valid target" ||
  fail "recorded GPU cluster outputs: $(cat "$TMP/gpu.err")"
[ "$(field "$TMP/gpu/ci-gpu.yaml" targets.ci-gpu.partitions.gpu.gpus.count 2>/dev/null)" = 2 ] &&
  [ "$(field "$TMP/gpu/ci-gpu.yaml" targets.ci-gpu.partitions.gpu.gpus.cuda 2>/dev/null)" = 12.2 ] &&
  pass "partition gpu: 2 x V100 per node, CUDA 12.2 (nvidia-smi + Slurm GRES)" || fail "partition gpu GPUs: $(grep -A8 'gpus:' "$TMP/gpu/ci-gpu.yaml")"
"$modak" discover -q --lstopo-xml /dev/null --no-slurm -o "$TMP/bad.yaml" 2>"$TMP/bad.err"
rc=$?
[ $rc = 1 ] && grep -q 'lstopo XML' "$TMP/bad.err" && pass "an unreadable lstopo XML is a clear error (exit 1)" ||
  fail "empty lstopo XML: exit $rc: $(cat "$TMP/bad.err")"

((failures)) && { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
