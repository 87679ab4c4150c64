#!/usr/bin/env bash
# The main job on embedded defaults: install what is needed, build, and take a bundled example
# blueprint through validate, optimise and render (modak preprocess), then show what it wrote.
# Its SODALITE imports resolve against modak's own share/sodalite types; the target and image
# catalogue come from share/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
MODAK_BUILD_DIR=${MODAK_BUILD_DIR:-$root/build} bash "$root/scripts/build.sh"
modak=${MODAK_BUILD_DIR:-$root/build}/plugin/modak
example=${1:-$root/blueprints/resnet50-slurm/service.yaml}
out=${MODAK_DEMO_OUT:-$(mktemp -d /tmp/modak-demo.XXXXXX)}

echo "== modak validate $example"
"$modak" validate "$example"
echo
echo "== modak optimise --explain $example"
"$modak" optimise --explain -q "$example"
echo "== modak preprocess $example -o $out"
"$modak" preprocess -q "$example" -o "$out"
echo
for f in "$out"/jobs/* "$out"/manifests/*; do
  [ -f "$f" ] || continue
  echo "== $f"
  cat "$f"
done
