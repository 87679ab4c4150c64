#!/usr/bin/env bash
# The Python ctypes module (python/modak) against the built libmodak, with Debian's python3:
# validate, validate_text, optimise, preprocess (also from threads), the xOpera recipe with a
# stand-in `opera`, and the sodalite.nodes.modak.local type.
#
# Usage: bash python_module_test.sh MODAK SOURCE_DIR   (libmodak: $MODAK_LIBRARY, else beside MODAK
# in the build tree: plugin/capi/libmodak.so; exit 77 = skipped)
set -u
MODAK=${1:?usage: python_module_test.sh MODAK SOURCE_DIR}
SRC=${2:?usage: python_module_test.sh MODAK SOURCE_DIR}
PY=/usr/bin/python3
LIB=${MODAK_LIBRARY:-$(dirname "$MODAK")/capi/libmodak.so}
if [ ! -x "$PY" ]; then echo "SKIP: $PY not found"; exit 77; fi
if [ ! -f "$LIB" ]; then echo "FAIL: libmodak not found at $LIB (set MODAK_LIBRARY)"; exit 1; fi
# A sanitizer build (tests/CMakeLists.txt sets MODAK_SANITIZER_PRELOAD): python3 is not sanitized,
# so it preloads the ASan runtime; CPython's own allocations at exit are not modak's leaks.
if [ -n "${MODAK_SANITIZER_PRELOAD:-}" ]; then
  export LD_PRELOAD=$MODAK_SANITIZER_PRELOAD ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
MODAK_LIBRARY=$LIB PYTHONDONTWRITEBYTECODE=1 exec "$PY" "$SRC/python/tests/test_modak.py" "$SRC"
