#!/usr/bin/env bash
# The Kubernetes manifests modak renders, checked by the offline validators of tests/real/k8s:
# validate.js (npm kubernetes-models: types, required fields) and strict_fields.py (Debian
# python3-kubernetes: unknown fields too). Manifests: the bundled blueprints/mnist-kubernetes,
# every bundled example rendered with --adapter kubernetes --target example-k8s, and
# tests/blueprints/serving-k8s (ports: a Deployment and a Service, from a name that is not an
# RFC 1123 label). Every metadata.name, container name and app label must be an RFC 1123 label.
#
# Usage: bash render_k8s_test.sh MODAK SOURCE_DIR
# Exit 77 = skipped (node, node_modules or python3-kubernetes missing), unless MODAK_REQUIRE_K8S=1.
set -u
modak=${1:?usage: render_k8s_test.sh MODAK SOURCE_DIR}
src=${2:?usage: render_k8s_test.sh MODAK SOURCE_DIR}
k8s=$src/tests/real/k8s
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
unavailable() {
  if [ "${MODAK_REQUIRE_K8S:-0}" = 1 ]; then
    echo "FAIL - $1 (MODAK_REQUIRE_K8S=1)"
    exit 1
  fi
  echo "SKIP: $1"
  exit 77
}
command -v node >/dev/null || unavailable "node not found"
[ -f "$k8s/validate.js" ] && [ -f "$k8s/strict_fields.py" ] || unavailable "tests/real/k8s validators missing"
[ -d "$k8s/node_modules/kubernetes-models" ] || unavailable "node modules missing (cd tests/real/k8s && npm ci)"
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kubernetes, yaml' 2>/dev/null ||
  unavailable "Debian python3-kubernetes / python3-yaml missing (apt-get install python3-kubernetes python3-yaml)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-render-k8s.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
now_ms() { date +%s%3N; }
t0=$(now_ms)

manifests=()
# render LABEL OUTDIR ARGS...
render() {
  local label=$1 out=$2 m n=0
  shift 2
  if ! "$modak" preprocess -q "$@" -o "$out" >"$out.log" 2>&1; then
    fail "$label: modak preprocess $* failed"
    sed 's/^/       /' "$out.log"
    return 1
  fi
  for m in "$out"/manifests/*.yaml; do
    [ -e "$m" ] || continue
    manifests+=("$m")
    n=$((n + 1))
  done
  ((n > 0)) && pass "$label: $n manifest file(s)" || fail "$label: no manifest in $out/manifests"
}

render "bundled mnist-kubernetes (its own target)" "$TMP/mnist" "$src/blueprints/mnist-kubernetes/service.yaml"
for bp in "$src"/blueprints/*/service.yaml; do
  name=$(basename "$(dirname "$bp")")
  [ "$name" = hello-tosca ] && continue # no optimisation request: nothing is rendered
  render "bundled $name --adapter kubernetes --target example-k8s" "$TMP/ex-$name" \
    --adapter kubernetes --target example-k8s "$bp"
done
render "tests/blueprints/serving-k8s" "$TMP/serving" "$src/tests/blueprints/serving-k8s/service.yaml"

((${#manifests[@]} >= 6)) || fail "only ${#manifests[@]} manifest files rendered"

# both validators over every file
if out=$(node "$k8s/validate.js" "${manifests[@]}" 2>&1); then
  pass "validate.js (kubernetes-models) accepts all ${#manifests[@]} files"
else
  fail "validate.js rejects a manifest:"
  grep -v '^OK' <<<"$out" | sed 's/^/       /'
fi
if out=$(/usr/bin/python3 "$k8s/strict_fields.py" "${manifests[@]}" 2>&1); then
  pass "strict_fields.py (python3-kubernetes) accepts all ${#manifests[@]} files"
else
  fail "strict_fields.py rejects a manifest:"
  grep -v '^OK' <<<"$out" | sed 's/^/       /'
fi

# kinds and RFC 1123 names, read with the same YAML loader strict_fields.py uses
if out=$(/usr/bin/python3 - "${manifests[@]}" <<'EOF'
import re, sys, yaml
label = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
bad, kinds = [], {}
for path in sys.argv[1:]:
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    for i, d in enumerate(docs, 1):
        where = f"{path.rsplit('/', 3)[-3]}/{path.rsplit('/', 1)[-1]}#{i} {d.get('kind')}"
        kinds.setdefault(path, []).append(d.get('kind'))
        names = [("metadata.name", d.get('metadata', {}).get('name'))]
        for k, v in (d.get('metadata', {}).get('labels') or {}).items():
            if k == 'app.kubernetes.io/name':
                names.append((f"label {k}", v))
        pod = (d.get('spec', {}).get('template') or {}).get('spec') or {}
        for c in pod.get('containers', []):
            names.append(("container name", c.get('name')))
        for p in (d.get('spec', {}).get('ports') or []):
            n = p.get('name')
            if n is not None and (len(n) > 15 or not label.match(n)):
                bad.append(f"{where}: port name {n!r} is not an IANA service name")
        for what, n in names:
            if not isinstance(n, str) or len(n) > 63 or not label.match(n):
                bad.append(f"{where}: {what} {n!r} is not an RFC 1123 label")
serving = [k for p, k in kinds.items() if '/serving/' in p]
if serving != [['Deployment', 'Service']]:
    bad.append(f"serving-k8s rendered {serving}, want one file with a Deployment and a Service")
mnist = [k for p, k in kinds.items() if '/mnist/' in p]
if mnist != [['Job']]:
    bad.append(f"mnist-kubernetes rendered {mnist}, want one Job")
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
); then
  pass "every name is an RFC 1123 label; serving-k8s gives Deployment + Service, mnist a Job"
else
  fail "names or kinds:"
  sed 's/^/       /' <<<"$out"
fi

# the serving Service selects the Deployment's pods and exposes the declared ports
svc=$(ls "$TMP"/serving/manifests/*.yaml 2>/dev/null | head -n 1)
if [ -n "$svc" ] && grep -q 'containerPort: 8080' "$svc" && grep -q 'containerPort: 9090' "$svc" &&
  grep -q 'targetPort: 8080' "$svc" && grep -q 'targetPort: 9090' "$svc"; then
  pass "serving-k8s: ports 8080 and 9090 on the container and the Service"
else
  fail "serving-k8s: ports 8080/9090 missing from ${svc:-<no manifest>}"
fi

echo "# ${#manifests[@]} manifest files checked in $(($(now_ms) - t0)) ms"
if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
