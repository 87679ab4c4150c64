#!/usr/bin/env bash
# Every code in tosca/diag/codes.h is listed in docs/diagnostics.md, and nothing else is.
set -euo pipefail
src=$2
codes=$(grep -oE 'X\([A-Za-z0-9]+, "[a-z0-9-]+"' "$src/tosca/diag/codes.h" | sed -E 's/.*"([a-z0-9-]+)"/\1/' | sort)
documented=$(grep -oE '^\| `[a-z0-9-]+`' "$src/docs/diagnostics.md" | sed -E 's/^\| `([a-z0-9-]+)`/\1/' | sort)
if [ "$codes" != "$documented" ]; then
  echo "docs/diagnostics.md and codes.h disagree:"; diff <(echo "$codes") <(echo "$documented") || true; exit 1
fi
echo "diagnostic codes: $(echo "$codes" | wc -l) codes documented"
