#!/usr/bin/env bash
# `modak graph` and the command-line conventions of issue 6: DOT of the topology with every node
# template, requirements as edges and the optimiser's image and predicted time on the application
# node; --explain --svg writes a well-formed SVG bar chart of the ranked candidates; --svg without
# --explain uses Graphviz's dot when installed (else exits 2 with a hint); every subcommand's
# --help has examples; the man page renders; bash completion lists the subcommands; libmodak
# exports only modak_* symbols.
#
# Usage: bash graph_command_test.sh MODAK SOURCE_DIR      (exit 77 = skipped)
set -u
MODAK=${1:?usage: graph_command_test.sh MODAK SOURCE_DIR}
SRC=${2:?usage: graph_command_test.sh MODAK SOURCE_DIR}
PY=/usr/bin/python3
LIB=${MODAK_LIBRARY:-$(dirname "$MODAK")/capi/libmodak.so}
if [ ! -x "$MODAK" ]; then echo "SKIP: $MODAK is not an executable"; exit 77; fi
if [ ! -x "$PY" ]; then echo "SKIP: $PY not found"; exit 77; fi
BP=$SRC/blueprints/resnet50-slurm/service.yaml
TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-graph.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

"$MODAK" graph -q "$BP" >"$TMP/out.dot" 2>"$TMP/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '^digraph topology {' "$TMP/out.dot" &&
   grep -q '"resnet50-job" -> "resnet50-training" \[label="application"' "$TMP/out.dot" &&
   grep -qE '"resnet50-training" \[label="[^"]*image: tensorflow-[^"]*predicted: [0-9.]+ (s|min|h)' "$TMP/out.dot" &&
   [ "$(grep -cE '^  "[^"]+" \[label=' "$TMP/out.dot")" -eq 6 ]; then
  pass "DOT: 6 node templates, requirement edges, image and predicted time on the application"
else fail "DOT output (rc $rc)"; cat "$TMP/out.dot" "$TMP/err" | head -30; fi

"$MODAK" graph -q "$BP" -o "$TMP/file.dot" && cmp -s "$TMP/file.dot" "$TMP/out.dot" &&
  pass "-o writes the same DOT" || fail "-o FILE.dot"

if "$MODAK" graph -q --explain --svg "$TMP/c.svg" "$BP" 2>"$TMP/err" &&
   "$PY" - "$TMP/c.svg" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
bars = [r for r in root.iter(ns + "rect") if r.find(ns + "title") is not None]
widths = [float(b.get("width")) for b in bars]
assert len(bars) >= 2, bars
assert widths == sorted(widths), widths          # ranked: fastest first
texts = " ".join(t.text or "" for t in root.iter(ns + "text"))
assert "(chosen)" in texts and "resnet50-training" in texts, texts
PYEOF
then pass "--explain --svg: a well-formed SVG, bars ranked fastest first, the winner marked"
else fail "--explain --svg"; cat "$TMP/err"; fi

if command -v dot >/dev/null; then
  "$MODAK" graph -q --svg "$TMP/t.svg" "$BP" && grep -q '<svg' "$TMP/t.svg" && pass "--svg via Graphviz dot" ||
    fail "--svg via dot"
else
  "$MODAK" graph -q --svg "$TMP/t.svg" "$BP" 2>"$TMP/err"; rc=$?
  [ $rc -eq 2 ] && grep -q graphviz "$TMP/err" && pass "--svg without Graphviz: exit 2 with a hint" ||
    fail "--svg without dot (rc $rc)"
fi

"$MODAK" graph -q "$SRC/no/such/service.yaml" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "a missing blueprint exits 2" || fail "missing blueprint exit $rc"

subs=$("$MODAK" --help | awk '/^(SUBCOMMANDS|Subcommands):/ {on=1; next} on && /^  [a-z]/ {sub(/,$/, "", $1); print $1}')
[ -n "$subs" ] || fail "modak --help lists no subcommands"
for s in $subs; do
  "$MODAK" "$s" --help >"$TMP/help" 2>&1
  grep -q '^Examples:' "$TMP/help" && grep -q "modak $s" "$TMP/help" && pass "modak $s --help has examples" ||
    fail "modak $s --help has no Examples: footer"
done
"$MODAK" --version | grep -qE '^modak [0-9]+\.[0-9]+' && pass "--version" || fail "--version"

if command -v man >/dev/null; then
  MANWIDTH=100 man -l "$SRC/docs/man/modak.1" 2>"$TMP/err" | grep -q 'EXIT STATUS' && [ ! -s "$TMP/err" ] &&
    pass "the man page renders without warnings" || { fail "man page"; cat "$TMP/err"; }
fi

completions=$(bash -c 'source "$1"; COMP_WORDS=("$2" ""); COMP_CWORD=1; _modak; echo "${COMPREPLY[@]}"' _ \
  "$SRC/share/bash-completion/modak" "$MODAK")
ok=1; for s in $subs; do [[ " $completions " == *" $s "* ]] || ok=0; done
[ $ok -eq 1 ] && pass "bash completion offers every subcommand" || fail "bash completion: '$completions'"

if [ -f "$LIB" ] && command -v nm >/dev/null; then
  other=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | grep -v '^modak_' | grep -v '^MODAK_')
  [ -z "$other" ] && pass "libmodak exports only modak_* functions" || { fail "libmodak exports more:"; echo "$other" | head; }
  readelf -d "$LIB" | grep -q 'SONAME.*libmodak\.so\.0' && pass "SONAME libmodak.so.0" || fail "SONAME"
fi

[ "$failures" -eq 0 ] && echo "all passed" && exit 0
echo "$failures failure(s)"; exit 1
