#!/bin/sh
# Builds seed corpora for the fuzz targets at run time, in a temporary directory, from the shared
# corpus (../shared/corpus beside the repository) and the project's own blueprints and test cases;
# nothing is copied into the repository.
#   tests/fuzz/seed.sh [CORPUS_DIR]     -> prints the seed directory (SEED/<target>/ per target)
# Without a shared corpus the project's own files still seed every target.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
corpus=${1:-$repo/../shared/corpus}
[ -d "$corpus" ] || { echo "seed.sh: no shared corpus at $corpus; seeding from the project's own files only" >&2; corpus=; }
seed=$(mktemp -d "${TMPDIR:-/tmp}/modak-fuzz-seed.XXXXXX")
trap 'rm -rf "$seed"' EXIT    # removed again unless it is complete (cleared below)
renders=""
for a in slurm pbspro torque kubernetes batch; do renders="$renders fuzz_render_$a fuzz_adapter_$a"; done
for t in fuzz_yaml_loader fuzz_validator fuzz_request fuzz_csar $renders; do mkdir -p "$seed/$t"; done

# Text seeds: YAML to the loader and the validator, JSON to the loader and the request reader.
find $corpus "$repo/blueprints" "$repo/tests/cases" "$repo/tests/blueprints" -type f -size -256k |
while IFS= read -r f; do
  name=$(printf '%s' "$f" | cksum | cut -d' ' -f1)
  case "$f" in
    *.yaml|*.yml) cp "$f" "$seed/fuzz_yaml_loader/$name"; cp "$f" "$seed/fuzz_validator/$name" ;;
    *.json) cp "$f" "$seed/fuzz_yaml_loader/$name"; cp "$f" "$seed/fuzz_request/$name" ;;
  esac
done

# CSAR seeds: every directory holding TOSCA-Metadata/TOSCA.meta, and each of the project's own
# blueprint directories, zipped (Debian's python3, standard library only).
/usr/bin/python3 - "$seed/fuzz_csar" $corpus "$repo/blueprints" "$repo/tests/blueprints" <<'PY'
import os, sys, zipfile, zlib
out, roots = sys.argv[1], sys.argv[2:]
dirs = set()
for root in roots:
    for d, subdirs, files in os.walk(root):
        if os.path.isfile(os.path.join(d, "TOSCA-Metadata", "TOSCA.meta")):
            dirs.add(d)
    if root.endswith("blueprints"):
        dirs.update(os.path.join(root, e) for e in os.listdir(root) if os.path.isdir(os.path.join(root, e)))
for d in sorted(dirs):
    name = os.path.join(out, "%08x.csar" % zlib.crc32(d.encode()))
    with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED) as z:
        for base, _, files in os.walk(d):
            for f in sorted(files):
                p = os.path.join(base, f)
                if os.path.getsize(p) < 256 * 1024:
                    z.write(p, os.path.relpath(p, d))
PY

# Renderer and adapter seeds: strings as FuzzedDataProvider reads them (a backslash escapes the
# next byte; an unescaped one ends a string); the adapter targets read their switches and numbers
# from the end of the input, so the same bytes make a start for both.
for t in $renders; do
  printf 'python3 train.py\\\n--epochs 3\\\nresnet' > "$seed/$t/plain"
  printf 'a\n#SBATCH --x\\\nb\n#PBS -l x\\\nj\n#SBATCH --y' > "$seed/$t/newlines"
  printf '$(touch /tmp/x)\\\n`id`; rm -rf /\\\nname with spaces' > "$seed/$t/shell"
done
trap - EXIT
echo "$seed"
