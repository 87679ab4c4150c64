#!/bin/bash
# A real full disk while modak preprocess writes its output (docs/outputs.md): on a 512 KiB tmpfs
# that holds a previous output, a blueprint whose output does not fit must fail with a clear
# error and exit status 2, leave the previous output directory and CSAR byte-identical, and
# leave no temporary file or directory behind. Needs root (mount); skipped (exit 77) otherwise.
#
# Usage: output_enospc_test.sh MODAK SOURCE_DIR
set -u
MODAK=$1
SRC=$2
if [ "$(id -u)" != 0 ]; then
  echo "SKIP: not root, cannot mount a tmpfs"
  exit 77
fi
T=$(mktemp -d /tmp/modak-enospc.XXXXXX)
MNT=$T/disk
mkdir -p "$MNT"
cleanup() {
  mountpoint -q "$MNT" && umount "$MNT"
  rm -rf "$T"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=512k,mode=0755 tmpfs "$MNT" 2>"$T/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here: $(cat "$T/mount.err")"
  exit 77
fi

fails=0
pass() { echo "ok   $1"; }
fail() {
  echo "FAIL $1"
  fails=$((fails + 1))
}
# Names, types and contents of everything under the disk, in a stable order.
state() { (cd "$MNT" && find . -printf '%y %p\n' | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

cp -r "$SRC/blueprints/hello-tosca" "$T/bp"
"$MODAK" preprocess -q "$T/bp/service.yaml" -o "$MNT/out" --csar >/dev/null 2>"$T/first.err" ||
  { cat "$T/first.err"; fail "the previous output is written"; exit 1; }
before=$(state)
[ -f "$MNT/out/service.yaml" ] && [ -f "$MNT/out.csar" ] && pass "a previous output and CSAR on the small disk" ||
  fail "no previous output or CSAR: $(ls -A "$MNT")"

# The same blueprint with 8 x 100 KB of data beside it: the copy fills the disk part-way.
mkdir -p "$T/bp/data"
for i in 1 2 3 4 5 6 7 8; do head -c 100000 /dev/urandom >"$T/bp/data/part$i.bin"; done
"$MODAK" preprocess -q "$T/bp/service.yaml" -o "$MNT/out" --csar >"$T/full.out" 2>"$T/full.err"
rc=$?
[ $rc = 2 ] && pass "a full disk is exit status 2" || fail "exit status $rc, expected 2"
grep -q "No space left on device" "$T/full.err" && pass "the error says why: $(grep -m1 "No space" "$T/full.err")" ||
  fail "no ENOSPC in the error: $(cat "$T/full.err")"
grep -q "is as it was" "$T/full.err" && pass "the error says the previous output is kept" || fail "$(cat "$T/full.err")"
after=$(state)
[ "$before" = "$after" ] && pass "previous output and CSAR byte-identical, nothing else on the disk" || {
  fail "the disk changed"
  diff <(echo "$before") <(echo "$after") | head -20
}
[ -z "$(find "$MNT" -maxdepth 1 -name '.*modak*')" ] && pass "no temporary files left" || fail "leftovers: $(ls -A "$MNT")"

# The first output ever, too large: nothing at all is left.
"$MODAK" preprocess -q "$T/bp/service.yaml" -o "$MNT/fresh" >/dev/null 2>&1
rc=$?
[ $rc = 2 ] && [ ! -e "$MNT/fresh" ] && [ "$(state)" = "$before" ] && pass "a first output that does not fit leaves nothing" ||
  fail "first output: exit $rc, $(ls -A "$MNT")"

# Room again: the same command now succeeds and replaces the output.
rm -f "$T"/bp/data/part[3-8].bin
"$MODAK" preprocess -q "$T/bp/service.yaml" -o "$MNT/out" --csar >/dev/null 2>"$T/ok.err"
rc=$?
[ $rc = 0 ] && [ -f "$MNT/out/data/part2.bin" ] && [ -z "$(find "$MNT" -maxdepth 1 -name '.*modak*')" ] &&
  pass "with room the output is replaced, nothing left beside it" || fail "exit $rc: $(cat "$T/ok.err"); $(ls -A "$MNT")"

[ $fails = 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
