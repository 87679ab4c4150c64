#!/bin/bash
# modak never modifies its input (docs/outputs.md). A blueprint folder and the same blueprint as
# a CSAR zip are checksummed before and after validate, optimise, preprocess and render —
# with outputs elsewhere, inside the input folder, equal to it, around it, and over an imported
# file or the input zip. Writing into the input folder is allowed (`-o out` next to
# service.yaml): the files that were there stay byte-identical and the output never copies
# itself. An output that is, holds or overwrites an input is refused with exit status 2 — also
# `optimise REQUEST.json -o` and `request REQ.json -o / --script-out` naming the request itself.
# A non-empty directory modak did not write is not replaced without --force.
#
# Usage: input_untouched_test.sh MODAK SOURCE_DIR
set -u
MODAK=$1
SRC=$2
T=$(mktemp -d /tmp/modak-input.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "ok   $1"; }
fail() {
  echo "FAIL $1"
  fails=$((fails + 1))
}

BP=$T/bp
cp -r "$SRC/blueprints/resnet50-slurm" "$BP"
# A local import too, so that -o can aim at an imported file.
printf 'tosca_definitions_version: tosca_simple_yaml_1_3\ndescription: local types\n' >"$BP/local-types.yaml"
sed -i 's|^imports:|imports:\n  - local-types.yaml|' "$BP/service.yaml"
/usr/bin/python3 - "$BP" "$T/app.csar" <<'EOF'
import os, sys, zipfile
root, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("TOSCA-Metadata/TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n")
    for d, _, files in os.walk(root):
        for f in sorted(files):
            p = os.path.join(d, f)
            z.write(p, os.path.relpath(p, root))
EOF
"$MODAK" validate -q "$BP/service.yaml" || { fail "the test blueprint validates"; exit 1; }

# The input's files: "type path sha256 mode" for what was there before; outputs may be added.
snapshot() { (cd "$1" && find . \( -path './out' -o -path './out.csar' -o -path './opt.yaml' \) -prune -o -printf '%y %p %m\n' | sort &&
  find . \( -path './out' -o -path './out.csar' \) -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum | grep -v ' ./opt.yaml$'); }
zipsum() { sha256sum <"$T/app.csar"; stat -c '%Y %s %a' "$T/app.csar"; }
BEFORE=$(snapshot "$BP")
ZBEFORE=$(zipsum)
touch -d '2001-01-01' "$BP/service.yaml"
BEFORE=$(snapshot "$BP")
MTIME=$(stat -c %Y "$BP/service.yaml")

check_input() {
  local what=$1
  [ "$(snapshot "$BP")" = "$BEFORE" ] && [ "$(stat -c %Y "$BP/service.yaml")" = "$MTIME" ] &&
    [ "$(zipsum)" = "$ZBEFORE" ] && pass "input unchanged after $what" || {
    fail "input changed after $what"
    diff <(echo "$BEFORE") <(snapshot "$BP") | head
  }
}
# run EXPECTED-STATUS WHAT ARGS...: the exit status, then the input.
run() {
  local want=$1 what=$2
  shift 2
  "$MODAK" "$@" >"$T/out.txt" 2>"$T/err.txt"
  local rc=$?
  [ "$rc" = "$want" ] && pass "$what: exit $rc" || fail "$what: exit $rc, expected $want: $(tail -3 "$T/err.txt")"
  check_input "$what"
}
refused() {
  grep -q "which modak read\|is the input" "$T/err.txt" && pass "  refused: $(grep -m1 'which modak read\|is the input' "$T/err.txt")" ||
    fail "  no refusal message: $(cat "$T/err.txt")"
}

run 0 "validate" validate -q "$BP/service.yaml"
run 0 "validate the CSAR zip" validate -q "$T/app.csar"
run 0 "optimise -o elsewhere" optimise -q "$BP/service.yaml" -o "$T/opt.yaml"
run 0 "optimise -o inside the input folder" optimise -q "$BP/service.yaml" -o "$BP/opt.yaml"
run 2 "optimise -o the blueprint itself" optimise -q "$BP/service.yaml" -o "$BP/service.yaml"
refused
run 2 "optimise -o an imported file" optimise -q "$BP/service.yaml" -o "$BP/local-types.yaml"
refused
run 2 "optimise -o the input folder (writes service.yaml there)" optimise -q "$BP/service.yaml" -o "$BP"
refused
run 0 "optimise the CSAR zip -o elsewhere" optimise -q "$T/app.csar" -o "$T/zopt.yaml"
run 2 "optimise -o the CSAR zip" optimise -q "$T/app.csar" -o "$T/app.csar"
refused
run 0 "preprocess -o elsewhere" preprocess -q "$BP/service.yaml" -o "$T/out" --csar
run 0 "preprocess -o elsewhere, again (replaces)" preprocess -q "$BP/service.yaml" -o "$T/out" --csar
run 0 "preprocess -o inside the input folder" preprocess -q "$BP/service.yaml" -o "$BP/out" --csar
run 0 "preprocess -o inside the input folder, again" preprocess -q "$BP/service.yaml" -o "$BP/out" --csar
[ ! -e "$BP/out/out" ] && [ ! -e "$BP/out/out.csar" ] && [ -z "$(find "$BP/out" -name '*modak-tmp*')" ] &&
  pass "  the output holds neither itself nor its CSAR" || fail "  the output copied itself: $(ls -A "$BP/out")"
[ -z "$(find "$T" "$BP" -maxdepth 1 -name '.*modak-*')" ] && pass "  no temporary files left" || fail "  leftovers: $(ls -A "$T" "$BP")"
run 2 "preprocess -o the input folder" preprocess -q "$BP/service.yaml" -o "$BP"
refused
run 2 "preprocess -o the input folder's parent" preprocess -q "$BP/service.yaml" -o "$T"
refused
ln -s "$BP" "$T/link"
run 2 "preprocess -o a link to the input folder" preprocess -q "$BP/service.yaml" -o "$T/link"
refused
run 0 "preprocess the CSAR zip -o elsewhere" preprocess -q "$T/app.csar" -o "$T/zout" --csar
[ -f "$T/zout/local-types.yaml" ] && [ -f "$T/zout/README.md" ] && pass "  the zip's files are in the output" ||
  fail "  the zip's files are missing: $(ls "$T/zout")"
run 2 "preprocess the CSAR zip --csar over itself" preprocess -q "$T/app.csar" -o "$T/app" --csar
refused
[ ! -e "$T/app" ] && pass "  nothing written" || fail "  $T/app was written"
run 0 "render -o elsewhere" render -q "$T/opt.yaml" -o "$T/rout"
run 2 "render -o over its input's folder" render -q "$T/opt.yaml" -o "$T"
refused

# A MODAK JSON request: -o / --script-out naming the request file itself (also through a link).
REQ=$T/req/train.json
mkdir -p "$T/req"
cat >"$REQ" <<'JSON'
{
  "job": {
    "job_options": {"job_name": "train"},
    "application": {"app_type": "ai_training", "executable": "python3 train.py"},
    "target": {"name": "example-cpu-cluster"},
    "optimisation": {"enable_opt_build": false, "app_type": "ai_training",
                     "app_type-ai_training": {"config": {"ai_framework": "tensorflow"}}}
  }
}
JSON
ln -s train.json "$T/req/link.json"
REQSUM=$(sha256sum <"$REQ")
check_request() {
  [ "$(sha256sum <"$REQ")" = "$REQSUM" ] && [ ! -L "$REQ" ] && pass "  the request is unchanged" || fail "  the request changed"
  [ -z "$(find "$T/req" -name '.*')" ] && pass "  no temporary files" || fail "  leftovers: $(ls -A "$T/req")"
}
req_run() {
  local want=$1 what=$2
  shift 2
  "$MODAK" "$@" >"$T/out.txt" 2>"$T/err.txt"
  local rc=$?
  [ "$rc" = "$want" ] && pass "$what: exit $rc" || fail "$what: exit $rc, expected $want: $(tail -3 "$T/err.txt")"
  check_request
}
req_run 0 "optimise REQUEST.json -o elsewhere" optimise -q "$REQ" -o "$T/req-decision.json"
req_run 2 "optimise REQUEST.json -o the request" optimise -q "$REQ" -o "$REQ"
refused
req_run 2 "optimise REQUEST.json -o a link to the request" optimise -q "$REQ" -o "$T/req/link.json"
refused
req_run 0 "request -o and --script-out elsewhere" request -q "$REQ" -o "$T/resp.json" --script-out "$T/train.sh"
req_run 2 "request -o the request" request -q "$REQ" -o "$REQ"
refused
req_run 2 "request --script-out the request" request -q "$REQ" --script-out "$T/req/../req/train.json" -o "$T/resp2.json"
refused
[ ! -e "$T/resp2.json" ] && pass "  nothing written" || fail "  the response was written"

# A non-empty directory modak did not write (a project) is refused and left alone; --force replaces it.
mkdir -p "$T/project/src"
echo 'int main() { return 0; }' >"$T/project/src/main.c"
"$MODAK" preprocess -q "$BP/service.yaml" -o "$T/project" >/dev/null 2>"$T/err.txt"
rc=$?
[ $rc = 2 ] && [ -f "$T/project/src/main.c" ] && [ "$(ls -A "$T/project")" = src ] &&
  pass "preprocess -o a non-empty foreign directory: exit 2, untouched" || fail "foreign directory: exit $rc, $(ls -A "$T/project")"
grep -q -- "--force" "$T/err.txt" && grep -q "not a modak output" "$T/err.txt" && grep -q "remove it yourself" "$T/err.txt" &&
  pass "  the error says why and how: $(head -1 "$T/err.txt")" || fail "  unexpected error: $(cat "$T/err.txt")"
"$MODAK" render -q "$T/opt.yaml" -o "$T/project" >/dev/null 2>&1
[ $? = 2 ] && [ -f "$T/project/src/main.c" ] && pass "render -o the same directory: refused too" || fail "render replaced the project"
"$MODAK" render -q "$T/opt.yaml" -o "$T/project" --force >/dev/null 2>"$T/err.txt"
rc=$?
[ $rc = 0 ] && [ ! -e "$T/project/src" ] && [ -f "$T/project/TOSCA-Metadata/TOSCA.meta" ] &&
  pass "render --force replaces it" || fail "--force: exit $rc: $(cat "$T/err.txt")"
"$MODAK" preprocess -q "$BP/service.yaml" -o "$T/project" >/dev/null 2>"$T/err.txt"
[ $? = 0 ] && pass "  and then, a modak output, it is replaced without --force" || fail "  $(cat "$T/err.txt")"
check_input "the --force runs"

[ $fails = 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
