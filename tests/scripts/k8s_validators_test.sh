#!/usr/bin/env bash
# The two offline Kubernetes manifest validators (tests/real/k8s, docs/real-components.md) give
# the expected verdict on every sample in tests/real/k8s/samples: validate.js (npm
# kubernetes-models: types and required fields) and strict_fields.py (python3-kubernetes: also
# unknown fields). good-*.yaml pass both; each bad-*.yaml is refused with the expected message,
# except that validate.js is known to let the misspelt field through.
#
# Usage: bash k8s_validators_test.sh MODAK SOURCE_DIR
# Exit 77 = skipped: node or the npm modules (npm ci --prefix tests/real/k8s), or Debian's
# python3-kubernetes, are missing - unless MODAK_REQUIRE_K8S=1 (scripts/test.sh sets it).
set -u

SRC=${2:?usage: k8s_validators_test.sh MODAK SOURCE_DIR}
K8S=$SRC/tests/real/k8s
SAMPLES=$K8S/samples
PY=/usr/bin/python3

failures=0
missing=()
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

have_node=1
if ! command -v node >/dev/null; then
  missing+=("node"); have_node=0
elif [ ! -f "$K8S/node_modules/kubernetes-models/package.json" ] || [ ! -d "$K8S/node_modules/yaml" ]; then
  missing+=("npm modules (npm ci --prefix tests/real/k8s)"); have_node=0
fi
have_py=1
if ! "$PY" -c 'import kubernetes.client, yaml' 2>/dev/null; then
  missing+=("python3-kubernetes/python3-yaml for $PY"); have_py=0
fi
if ((${#missing[@]})); then
  if [ "${MODAK_REQUIRE_K8S:-0}" = 1 ]; then
    echo "FAIL - missing: ${missing[*]} (MODAK_REQUIRE_K8S=1)"
    exit 1
  fi
  echo "note: missing ${missing[*]}; the validator(s) needing them are not run"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-k8s-validators.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# run VALIDATOR FILE...: output in $TMP/out, status in $rc
run() {
  local v=$1; shift
  case $v in
    validate.js) node "$K8S/validate.js" "$@" >"$TMP/out" 2>"$TMP/err" ;;
    strict_fields.py) "$PY" "$K8S/strict_fields.py" "$@" >"$TMP/out" 2>"$TMP/err" ;;
  esac
  rc=$?
}

# expect VALIDATOR FILE DOCS WANTED-RC [MESSAGE]: the validator's exit status on FILE is
# WANTED-RC, DOCS documents were checked, and MESSAGE (a fixed string) appears on a FAIL line.
expect() {
  local v=$1 file=$2 docs=$3 want=$4 message=${5:-} what
  what="$v $(basename "$file")"
  run "$v" "$file"
  if [ "$rc" != "$want" ]; then
    fail "$what: exit $rc, wanted $want: $(cat "$TMP/out" "$TMP/err")"
  elif ! grep -q "^$v: $docs documents" "$TMP/out"; then
    fail "$what: wanted $docs documents: $(cat "$TMP/out")"
  elif [ -n "$message" ] && ! grep '^FAIL ' "$TMP/out" | grep -qF -- "$message"; then
    fail "$what: no FAIL line with '$message': $(cat "$TMP/out")"
  elif [ "$want" = 0 ] && grep -q '^FAIL ' "$TMP/out"; then
    fail "$what: exit 0 but FAIL lines: $(cat "$TMP/out")"
  else
    pass "$what: exit $rc${message:+ ($message)}"
  fi
}

validators=()
((have_node)) && validators+=(validate.js)
((have_py)) && validators+=(strict_fields.py)

for v in "${validators[@]}"; do
  t0=$(date +%s%3N)
  expect "$v" "$SAMPLES/good-job-gpu.yaml" 1 0
  expect "$v" "$SAMPLES/good-deployment-service.yaml" 2 0
  expect "$v" "$SAMPLES/good-namespace-config-pvc.yaml" 3 0
  run "$v"
  if [ "$rc" = 2 ]; then pass "$v with no arguments: exit 2"; else fail "$v with no arguments: exit $rc"; fi
  run "$v" "$TMP/absent.yaml"
  if [ "$rc" = 2 ]; then pass "$v on a missing file: exit 2"; else fail "$v on a missing file: exit $rc"; fi
  run "$v" "$SAMPLES"/*.yaml
  if [ "$rc" = 1 ]; then pass "$v on all samples: exit 1"; else fail "$v on all samples: exit $rc"; fi
  echo "note: $v: $(($(date +%s%3N) - t0)) ms for its checks"
done

if ((have_node)); then
  expect validate.js "$SAMPLES/bad-replicas-string.yaml" 1 1 "/spec/replicas must be integer"
  expect validate.js "$SAMPLES/bad-missing-containers.yaml" 1 1 "/spec/template/spec must have required property containers"
  expect validate.js "$SAMPLES/bad-env-value-types.yaml" 1 1 "/spec/containers/0/env/1/value must be string"
  # Known limit: the kubernetes-models schemas allow unknown properties.
  expect validate.js "$SAMPLES/bad-misspelt-field.yaml" 1 0
fi
if ((have_py)); then
  expect strict_fields.py "$SAMPLES/bad-replicas-string.yaml" 1 1 "spec.replicas: expected an integer, got a string"
  expect strict_fields.py "$SAMPLES/bad-missing-containers.yaml" 1 1 "spec.template.spec.containers: required field missing in V1PodSpec"
  expect strict_fields.py "$SAMPLES/bad-env-value-types.yaml" 1 1 "spec.containers[0].env[1].value: expected a string, got a boolean"
  expect strict_fields.py "$SAMPLES/bad-misspelt-field.yaml" 1 1 "spec.template.spec.containers[0].imagePullPolicyy: unknown field in V1Container"
fi

echo "k8s validators: ${validators[*]:-none}, $failures failures"
((failures == 0)) || exit 1
((${#missing[@]} == 0)) || exit 77
exit 0
