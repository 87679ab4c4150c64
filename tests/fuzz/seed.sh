#!/bin/sh
# Builds seed corpora for the fuzz targets in a temporary directory from ../shared/corpus (relative
# to the repository root) at run time; nothing is copied into the repository.
#   tests/fuzz/seed.sh [CORPUS_DIR]     -> prints the seed directory (SEED/<target>/ per target)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../../shared/corpus}
[ -d "$corpus" ] || { echo "seed.sh: no corpus at $corpus" >&2; exit 2; }
seed=$(mktemp -d "${TMPDIR:-/tmp}/modak-fuzz-seed.XXXXXX")
for t in fuzz_yaml_loader fuzz_validator fuzz_request fuzz_csar fuzz_render; do mkdir -p "$seed/$t"; done
n=0
find "$corpus" -type f -size -256k | while IFS= read -r f; do
  n=$((n + 1))
  name=$(printf '%s' "$f" | cksum | cut -d' ' -f1)
  case "$f" in
    *.yaml|*.yml)
      cp "$f" "$seed/fuzz_yaml_loader/$name"
      cp "$f" "$seed/fuzz_validator/$name" ;;
    *.json)
      cp "$f" "$seed/fuzz_yaml_loader/$name"
      cp "$f" "$seed/fuzz_request/$name" ;;
    *.csar|*.zip)
      cp "$f" "$seed/fuzz_csar/$name" ;;
  esac
done
# fuzz_render input: executable, arguments and job_name (FuzzedDataProvider random-length strings).
printf 'python3 train.py\\\n--epochs 3\\\nresnet' > "$seed/fuzz_render/plain"
printf 'a\n#SBATCH --x\\\nb\n#PBS -l x\\\nj\n#SBATCH --y' > "$seed/fuzz_render/newlines"
echo "$seed"
