#!/usr/bin/env bash
# The installed package: `cmake --install` the build into a temp prefix, then configure, build and
# run tests/consumer (find_package(modak), modak::modak) against it; compile a C program with
# `pkg-config --cflags --libs modak`; check the installed man page, bash completion, Python module
# and data, and that the installed `modak --help` works.
#
# Usage: bash consumer_package_test.sh MODAK SOURCE_DIR    (exit 77 = skipped)
set -u
MODAK=${1:?usage: consumer_package_test.sh MODAK SOURCE_DIR}
SRC=${2:?usage: consumer_package_test.sh MODAK SOURCE_DIR}
build=$(dirname "$MODAK")
while [ "$build" != / ] && [ ! -f "$build/CMakeCache.txt" ]; do build=$(dirname "$build"); done
if [ ! -f "$build/CMakeCache.txt" ]; then echo "SKIP: no build tree above $MODAK"; exit 77; fi
for tool in cmake cc pkg-config; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not found"; exit 77; }
done
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)

# A sanitizer build's libmodak needs sanitized consumers (same compiler and -fsanitize flags), and
# python3 preloads the runtime (MODAK_SANITIZER_PRELOAD, set by tests/CMakeLists.txt).
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
cc=cc; san_flags=(); py_env=()
if [ "$(cache MODAK_SANITIZE)" = ON ] || [ "$(cache MODAK_FUZZ)" = ON ]; then  # MODAK_FUZZ implies it
  cc=$(cache CMAKE_C_COMPILER)
  flags="-fsanitize=address,undefined"
  [[ $cc == *clang* ]] && flags="$flags -fsanitize-link-c++-runtime -lstdc++"  # see CMakeLists.txt
  san_flags=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)"
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags")
  cc="$cc $flags"
  py_env=(LD_PRELOAD="${MODAK_SANITIZER_PRELOAD:-}" ASAN_OPTIONS=detect_leaks=0)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modak-consumer.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
prefix=$TMP/prefix
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }

if cmake --install "$build" --prefix "$prefix" >"$TMP/install.log" 2>&1; then pass "cmake --install into $prefix"
else fail "cmake --install"; tail -20 "$TMP/install.log"; exit 1; fi

libdir=$(dirname "$(find "$prefix" -name 'libmodak.so.0' | head -1)")
for f in include/modak.h share/man/man1/modak.1 share/bash-completion/completions/modak \
         share/modak/python/modak/__init__.py share/modak/sodalite/modak/local.yaml bin/modak; do
  if [ -e "$prefix/$f" ]; then pass "installed $f"; else fail "installed $f is missing"; fi
done
[ -f "$libdir/cmake/modak/modakConfig.cmake" ] && [ -f "$libdir/pkgconfig/modak.pc" ] &&
  pass "installed modakConfig.cmake and modak.pc" || fail "package files missing under $libdir"

blueprint=$SRC/blueprints/resnet50-slurm/service.yaml
if cmake -S "$SRC/tests/consumer" -B "$TMP/consumer" "${gen[@]}" "${san_flags[@]}" -DCMAKE_PREFIX_PATH="$prefix" >"$TMP/c.log" 2>&1 &&
   cmake --build "$TMP/consumer" >>"$TMP/c.log" 2>&1; then
  pass "tests/consumer configures and builds with find_package(modak)"
  if "$TMP/consumer/consumer" "$blueprint" "$prefix/share/modak" >"$TMP/out" 2>&1 && grep -q '"status": "ok"' "$TMP/out"; then
    pass "the consumer (C) validates through the installed libmodak"
  else fail "the consumer (C) run"; head -30 "$TMP/out"; fi
  if MODAK_SHARE_DIR=$prefix/share/modak "$TMP/consumer/consumer_cxx" "$blueprint" >"$TMP/out" 2>&1 &&
     grep -q '"operation": "optimise"' "$TMP/out"; then
    pass "the consumer (C++) optimises through the installed libmodak"
  else fail "the consumer (C++) run"; head -30 "$TMP/out"; fi
  if ldd "$TMP/consumer/consumer" | grep -q "$prefix"; then pass "the consumer links the installed libmodak.so"
  else fail "the consumer does not link the installed library"; ldd "$TMP/consumer/consumer"; fi
else
  fail "tests/consumer did not build"; tail -30 "$TMP/c.log"
fi

cat >"$TMP/pc.c" <<'C'
#include <modak.h>
#include <stdio.h>
int main(void) { printf("%s %d\n", modak_version(), modak_abi_version()); return 0; }
C
if PKG_CONFIG_PATH=$libdir/pkgconfig $cc "$TMP/pc.c" -o "$TMP/pc" $(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --cflags --libs modak) &&
   LD_LIBRARY_PATH=$libdir "$TMP/pc" | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+ 1$'; then
  pass "pkg-config --cflags --libs modak compiles and links a C program"
else fail "pkg-config build"; fi

if "$prefix/bin/modak" --help >/dev/null && "$prefix/bin/modak" --version | grep -q '^modak '; then pass "installed modak --help, --version"
else fail "installed modak --help/--version"; fi
if env "${py_env[@]}" MODAK_LIBRARY=$libdir/libmodak.so.0 /usr/bin/python3 -c "import sys; sys.path.insert(0, '$prefix/share/modak/python'); import modak; print(modak.version())" >/dev/null 2>&1 &&
   env "${py_env[@]}" /usr/bin/python3 -c "import sys; sys.path.insert(0, '$prefix/share/modak/python'); import modak; assert modak.load().path.startswith('$prefix')" 2>/dev/null; then
  pass "the installed Python module finds the installed libmodak"
else fail "the installed Python module"; fi

[ "$failures" -eq 0 ] && echo "all passed" && exit 0
echo "$failures failure(s)"; exit 1
