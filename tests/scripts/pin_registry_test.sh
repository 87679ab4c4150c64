#!/usr/bin/env bash
# `modak pin` against a real registry: Debian's docker-registry (CNCF distribution 2.8) on
# 127.0.0.1, images built with buildah (vfs storage, FROM scratch + static busybox) and pushed
# into it. Checks that the digests modak pins are exactly the ones the registry reports, the
# platform entry of a multi-arch index, `optimise --pin` / `preprocess --pin` / blueprint pinning,
# and the errors: stopped registry, missing tag, auth-required registry, a silent socket.
# Usage: pin_registry_test.sh MODAK SOURCE_DIR. Exit 77 (skip) when the tools are missing.
set -uo pipefail
modak=${1:?modak binary}
src=${2:?source dir}
for tool in docker-registry buildah htpasswd curl python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
    exit 77
  fi
done
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q "statically linked"; then
  [ -x /bin/busybox ] && busybox=/bin/busybox
  if [ -z "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
    echo "SKIP: no static busybox (busybox-static)"
    exit 77
  fi
fi

work=$(mktemp -d /tmp/modak-pin-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  # buildah's vfs storage holds read-only layers: make them removable first.
  chmod -R u+w "$work" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fails=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_registry NAME [htpasswd-file] -> sets REG_PORT, REG_PID
start_registry() {
  local name=$1 htp=${2:-}
  REG_PORT=$(free_port)
  mkdir -p "$work/$name/storage"
  {
    echo "version: 0.1"
    echo "log: {level: error, accesslog: {disabled: true}}"
    echo "storage: {filesystem: {rootdirectory: $work/$name/storage}, delete: {enabled: true}}"
    echo "http: {addr: 127.0.0.1:$REG_PORT, secret: modak-test}"
    [ -n "$htp" ] && echo "auth: {htpasswd: {realm: modak-test, path: $htp}}"
  } >"$work/$name/config.yml"
  docker-registry serve "$work/$name/config.yml" >"$work/$name/log" 2>&1 &
  REG_PID=$!
  pids+=("$REG_PID")
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$REG_PORT/v2/" && return 0
    sleep 0.1
  done
  echo "FAIL: docker-registry $name did not start:"
  cat "$work/$name/log"
  exit 1
}

accept='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
registry_digest() {  # registry repo tag -> Docker-Content-Digest of the tag
  curl -sfI -H "Accept: $accept" "http://$1/v2/$2/manifests/$3" | tr -d '\r' |
    awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}'
}

start_registry reg
port=$REG_PORT
reg=127.0.0.1:$port

# --- images ------------------------------------------------------------------------------------
S=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
build() {  # build TAG ARCH TEXT
  local ctr
  ctr=$(buildah "${S[@]}" from --pull-never scratch) || return 1
  mkdir -p "$work/ctx/$1"
  echo "$3" >"$work/ctx/$1/id.txt"
  buildah "${S[@]}" copy "$ctr" "$busybox" /bin/busybox >/dev/null &&
    buildah "${S[@]}" copy "$ctr" "$work/ctx/$1/id.txt" /id.txt >/dev/null &&
    buildah "${S[@]}" config --arch "$2" --os linux --cmd '["/bin/busybox","cat","/id.txt"]' "$ctr" &&
    buildah "${S[@]}" commit -q "$ctr" "localhost/$1" >/dev/null &&
    buildah "${S[@]}" rm "$ctr" >/dev/null
}
push() { buildah "${S[@]}" push -q --tls-verify=false "localhost/$1" "docker://$reg/$2" >/dev/null; }
if ! { build a:1 amd64 "image a" && build b:1 amd64 "image b" && build m-amd64:1 amd64 "multi amd64" &&
  build m-arm64:1 arm64 "multi arm64"; } >"$work/build.log" 2>&1; then
  echo "FAIL: buildah could not build the test images:"
  cat "$work/build.log"
  exit 1
fi
push a:1 test/a:1 && push b:1 test/b:2 || { echo "FAIL: buildah push"; exit 1; }
buildah "${S[@]}" manifest create localhost/multi:1 >/dev/null &&
  buildah "${S[@]}" manifest add localhost/multi:1 containers-storage:localhost/m-amd64:1 >/dev/null &&
  buildah "${S[@]}" manifest add localhost/multi:1 containers-storage:localhost/m-arm64:1 >/dev/null &&
  buildah "${S[@]}" manifest push -q --all --tls-verify=false localhost/multi:1 "docker://$reg/test/multi:1" >/dev/null ||
  { echo "FAIL: buildah manifest push"; exit 1; }

# --- single images: exactly the registry's digest ---------------------------------------------
da=$(registry_digest "$reg" test/a 1)
db=$(registry_digest "$reg" test/b 2)
[[ "$da" == sha256:* && "$db" == sha256:* && "$da" != "$db" ]] || fail "registry digests: '$da' '$db'"
out=$("$modak" pin "$reg/test/a:1" "docker://$reg/test/b:2" 2>&1)
expected="$reg/test/a:1 -> $reg/test/a@$da
docker://$reg/test/b:2 -> docker://$reg/test/b@$db"
[ "$out" = "$expected" ] && pass "modak pin returns the registry's digests" || fail "modak pin: got
$out
expected
$expected"
if command -v skopeo >/dev/null 2>&1; then
  sd=$(skopeo inspect --tls-verify=false "docker://$reg/test/a:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
  [ "$sd" = "$da" ] && pass "skopeo inspect agrees ($sd)" || fail "skopeo says $sd, registry $da"
fi
# A pinned reference resolves to itself (and is checked to exist).
out=$("$modak" pin "$reg/test/a@$da" 2>&1)
[ "$out" = "$reg/test/a@$da -> $reg/test/a@$da" ] && pass "a pinned reference is verified" || fail "pinned: $out"
# JSON output.
"$modak" pin --format json "$reg/test/a:1" | python3 -c "
import json,sys; j=json.load(sys.stdin); assert j[0]['pinned']=='$reg/test/a@$da', j" &&
  pass "--format json" || fail "--format json"

# --- multi-arch index: the platform entry for the requested architecture -----------------------
index=$(curl -sf -H "Accept: $accept" "http://$reg/v2/test/multi/manifests/1")
entry() { python3 -c "
import json,sys
for m in json.loads(sys.argv[1])['manifests']:
    if m['platform']['architecture']==sys.argv[2]: print(m['digest'])" "$index" "$1"; }
d_amd=$(entry amd64)
d_arm=$(entry arm64)
[[ "$d_amd" == sha256:* && "$d_arm" == sha256:* && "$d_amd" != "$d_arm" ]] || fail "index entries: '$d_amd' '$d_arm'"
d_index=$(registry_digest "$reg" test/multi 1)
out=$("$modak" pin --arch arm64 "$reg/test/multi:1")
[ "$out" = "$reg/test/multi:1 -> $reg/test/multi@$d_arm" ] && pass "index -> arm64 entry" || fail "arm64: $out (index $d_index)"
out=$("$modak" pin --arch x86-64-v3 "$reg/test/multi:1")
[ "$out" = "$reg/test/multi:1 -> $reg/test/multi@$d_amd" ] && pass "index -> amd64 entry (from an ISA level)" || fail "amd64: $out"
out=$("$modak" pin --arch ppc64le "$reg/test/multi:1" 2>&1)
rc=$?
[ $rc = 1 ] && [[ "$out" == *"no linux/ppc64le entry"* ]] && pass "index without the architecture: clear error" ||
  fail "ppc64le: rc=$rc $out"

# --- optimise --pin / preprocess --pin with a catalogue entry on the local registry -----------
bp=$src/blueprints/resnet50-slurm/service.yaml
image_id=$("$modak" optimise --format json "$bp" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["image_id"])')
mkdir -p "$work/catalogue"
python3 - "$src/share/catalogue" "$image_id" "docker://$reg/test/a:1" >"$work/catalogue/local.yaml" <<'EOF'
import glob, json, sys, yaml
for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    for img in (yaml.safe_load(open(f)) or {}).get("images", []):
        if img["id"] == sys.argv[2]:
            img["uri"] = sys.argv[3]
            img["source"] = "pin_registry_test.sh: the catalogue entry, served by a local registry"
            print(yaml.safe_dump({"modak_knowledge": 1, "images": [img]}, sort_keys=False))
            sys.exit(0)
sys.exit("image " + sys.argv[2] + " not found")
EOF
[ -s "$work/catalogue/local.yaml" ] || fail "could not write the test catalogue (image '$image_id')"
if "$modak" optimise --catalogue "$work/catalogue" --pin "$bp" -o "$work/optimised.yaml" 2>"$work/optimise.err"; then
  if grep -q "docker://$reg/test/a@$da" "$work/optimised.yaml" && ! grep -q "test/a:1" "$work/optimised.yaml"; then
    pass "optimise --pin writes the digest"
  else
    fail "optimise --pin output lacks docker://$reg/test/a@$da:"; grep -n "image\|container_runtime" "$work/optimised.yaml"
  fi
else
  fail "optimise --pin failed: $(cat "$work/optimise.err")"
fi
if "$modak" preprocess --catalogue "$work/catalogue" --pin "$bp" -o "$work/rendered" >/dev/null 2>"$work/preprocess.err"; then
  n=$(grep -rl "test/a@$da" "$work/rendered" | wc -l)
  if [ "$n" -ge 2 ] && ! grep -rq "test/a:1" "$work/rendered"; then
    pass "preprocess --pin writes the digest into the blueprint and the job script ($n files)"
  else
    fail "preprocess --pin: $n files name the digest"; grep -rn "test/a" "$work/rendered"
  fi
else
  fail "preprocess --pin failed: $(cat "$work/preprocess.err")"
fi
# Without --pin the tag stays; `modak pin BLUEPRINT -o OUT` pins it afterwards.
"$modak" optimise --catalogue "$work/catalogue" "$bp" -o "$work/tagged.yaml" 2>/dev/null
grep -q "docker://$reg/test/a:1" "$work/tagged.yaml" || fail "optimise without --pin should keep the tag"
if "$modak" pin "$work/tagged.yaml" -o "$work/pinned.yaml" 2>"$work/pin.err"; then
  if ! grep -q "test/a:1" "$work/pinned.yaml" && [ "$(grep -c "test/a@$da" "$work/pinned.yaml")" -ge 2 ] &&
    "$modak" validate "$work/pinned.yaml" >/dev/null 2>&1; then
    pass "modak pin BLUEPRINT -o OUT (container_runtime, modak.image, modak.decision) and it validates"
  else
    fail "modak pin BLUEPRINT:"; grep -n "test/a" "$work/pinned.yaml"; "$modak" validate "$work/pinned.yaml"
  fi
else
  fail "modak pin BLUEPRINT failed: $(cat "$work/pin.err")"
fi

# --- errors ------------------------------------------------------------------------------------
# Missing tag: 404.
out=$("$modak" pin "$reg/test/a:missing" 2>&1)
rc=$?
[ $rc = 1 ] && [[ "$out" == *"not found (HTTP 404"* ]] && pass "missing tag -> 404 error" || fail "missing tag: rc=$rc $out"
out=$("$modak" pin "$reg/test/nothere:1" 2>&1)
[[ "$out" == *"HTTP 404"* ]] && pass "missing repository -> 404 error" || fail "missing repository: $out"
# optimise --pin with a missing tag fails (exit 2) and writes nothing.
sed "s#test/a:1#test/a:missing#" "$work/catalogue/local.yaml" >"$work/catalogue/local.yaml.tmp" &&
  mkdir -p "$work/catalogue404" && mv "$work/catalogue/local.yaml.tmp" "$work/catalogue404/local.yaml"
"$modak" optimise --catalogue "$work/catalogue404" --pin "$bp" -o "$work/never.yaml" >/dev/null 2>"$work/o404.err"
rc=$?
[ $rc = 2 ] && [ ! -e "$work/never.yaml" ] && grep -q "HTTP 404" "$work/o404.err" && pass "optimise --pin: 404 stops it" ||
  fail "optimise --pin 404: rc=$rc $(cat "$work/o404.err")"

# Auth-required registry: 401 without credentials, success with them.
htpasswd -Bbn modak s3cret >"$work/htpasswd" 2>/dev/null
start_registry authreg "$work/htpasswd"
areg=127.0.0.1:$REG_PORT
buildah "${S[@]}" push -q --tls-verify=false --creds modak:s3cret localhost/a:1 "docker://$areg/test/a:1" >/dev/null ||
  fail "push to the auth registry"
dauth=$(curl -sfI -u modak:s3cret -H "Accept: $accept" "http://$areg/v2/test/a/manifests/1" | tr -d '\r' |
  awk -F': ' 'tolower($1)=="docker-content-digest" {print $2}')
out=$(MODAK_REGISTRY_AUTH= "$modak" pin "$areg/test/a:1" 2>&1)
rc=$?
[ $rc = 1 ] && [[ "$out" == *"unauthorized (HTTP 401)"* && "$out" == *"--registry-auth"* ]] &&
  pass "auth registry without credentials -> 401" || fail "no credentials: rc=$rc $out"
out=$("$modak" pin --registry-auth modak:wrong "$areg/test/a:1" 2>&1)
[[ "$out" == *"401"*"rejected the credentials"* ]] && pass "wrong credentials -> 401" || fail "wrong credentials: $out"
out=$("$modak" pin --registry-auth modak:s3cret "$areg/test/a:1" 2>&1)
[ "$out" = "$areg/test/a:1 -> $areg/test/a@$dauth" ] && pass "--registry-auth -> $dauth" || fail "with credentials: $out"
out=$(MODAK_REGISTRY_AUTH=modak:s3cret "$modak" pin "$areg/test/a:1" 2>&1)
[ "$out" = "$areg/test/a:1 -> $areg/test/a@$dauth" ] && pass "MODAK_REGISTRY_AUTH" || fail "env credentials: $out"

# A socket that accepts but never answers: an error within the timeout, never a hang.
sport=$(free_port)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $sport)); s.listen(8)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
" &
pids+=($!)
for _ in $(seq 1 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $sport), 1)" 2>/dev/null && break; sleep 0.1; done
start=$(date +%s.%N)
out=$(timeout 20 "$modak" pin --timeout 2 "127.0.0.1:$sport/test/a:1" 2>&1)
rc=$?
took=$(python3 -c "import time; print(round(time.time() - $start, 1))")
if [ $rc = 1 ] && [[ "$out" == *"no answer"*"within the timeout of 2 s"* ]] &&
  python3 -c "import sys; sys.exit(0 if $took < 6 else 1)"; then
  pass "silent socket -> timeout error after ${took}s"
else
  fail "silent socket: rc=$rc after ${took}s: $out"
fi

# Stopped registry: connection refused, quickly.
kill "$REG_PID" 2>/dev/null
kill "${pids[0]}" 2>/dev/null
wait "${pids[0]}" 2>/dev/null
start=$(date +%s.%N)
out=$(timeout 20 "$modak" pin --timeout 5 "$reg/test/a:1" 2>&1)
rc=$?
took=$(python3 -c "import time; print(round(time.time() - $start, 1))")
[ $rc = 1 ] && [[ "$out" == *"cannot connect to http://$reg"* ]] && python3 -c "import sys; sys.exit(0 if $took < 3 else 1)" &&
  pass "stopped registry -> connection refused in ${took}s" || fail "stopped registry: rc=$rc after ${took}s: $out"
"$modak" preprocess --catalogue "$work/catalogue" --pin --registry-timeout 3 "$bp" -o "$work/never" >/dev/null 2>"$work/pre.err"
rc=$?
[ $rc = 2 ] && grep -q "cannot connect" "$work/pre.err" && pass "preprocess --pin: stopped registry stops it" ||
  fail "preprocess --pin, stopped registry: rc=$rc $(cat "$work/pre.err")"

# HTTPS is the default for other hosts: a plain-HTTP server on 127.0.0.2 is a TLS error, and
# --insecure-registry makes it plain HTTP (the registry listens on 127.0.0.1 only, so refused).
out=$("$modak" pin --timeout 3 "127.0.0.2:$sport/test/a:1" 2>&1)
[[ "$out" == *"https://127.0.0.2"* ]] && pass "non-loopback hosts use https" || fail "https default: $out"

if [ "$fails" -ne 0 ]; then
  echo "pin_registry_test: $fails failure(s)"
  exit 1
fi
echo "pin_registry_test: all passed"
