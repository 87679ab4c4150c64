#!/usr/bin/env bash
# The main job on embedded defaults: install what is needed, build, and run modak on a bundled
# example blueprint (its SODALITE imports resolve against modak's own share/sodalite types).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
MODAK_BUILD_DIR=${MODAK_BUILD_DIR:-$root/build} bash "$root/scripts/build.sh"
modak=${MODAK_BUILD_DIR:-$root/build}/plugin/modak
example=${1:-$root/blueprints/resnet50-slurm/service.yaml}
echo "== modak validate $example"
"$modak" validate "$example"
