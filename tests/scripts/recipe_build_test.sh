#!/usr/bin/env bash
# modak recipe, built and run for real: generate the recipes for a bundled blueprint whose request
# has enable_opt_build: true, check the definition file with modak's grammar check, build the OCI
# Containerfile with buildah (vfs storage, chroot isolation, a local busybox-static base, no
# network) in --smoke mode, run the image with podman, and check that the ISA flags and the
# decision recorded in the recipe show up in the container's output and the image's labels.
# Usage: recipe_build_test.sh MODAK SOURCE_DIR. Exit 77 (skip) when buildah/podman are missing.
set -euo pipefail
modak=$1
src=$2
for tool in buildah podman runc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (scripts/install-deps.sh installs podman buildah runc busybox-static)"
    exit 77
  fi
done
busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q "statically linked"; then
  [ -x /bin/busybox ] && busybox=/bin/busybox
fi
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
  echo "SKIP: busybox-static is not installed"
  exit 77
fi

work=$(mktemp -d /tmp/modak-recipe-test.XXXXXX)
S=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
cleanup() {
  # Only our own private storage: vfs layers are plain directories under $work.
  podman "${S[@]}" rm -a -f >/dev/null 2>&1 || true
  buildah "${S[@]}" rm -a >/dev/null 2>&1 || true
  rm -rf "$work" 2>/dev/null || { chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"; }
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 1. A local base image: FROM scratch + busybox-static, its applets installed as /bin links.
mkdir -p "$work/base"
cp "$busybox" "$work/base/busybox"
cat > "$work/base/Containerfile" <<'CF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/tmp", "/opt"]
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CF
buildah "${S[@]}" bud --isolation chroot --pull-never -q -t localhost/modak-busybox:test "$work/base" >/dev/null ||
  fail "could not build the busybox base image"

# 2. The recipes: a real blueprint, decided by the optimiser; the smoke build with the local base.
bp=$src/blueprints/mpi-solver-pbspro/service.yaml
out=$work/recipes
"$modak" recipe "$bp" -o "$out" --smoke --base localhost/modak-busybox:test >"$work/recipe.out" 2>&1 ||
  { cat "$work/recipe.out"; fail "modak recipe failed"; }
[ -f "$out/heat3d.def" ] && [ -f "$out/heat3d.Containerfile" ] || fail "heat3d.def / heat3d.Containerfile not written"
"$modak" recipe --check "$out/heat3d.def" >/dev/null || fail "the generated definition file fails the grammar check"
grep -q 'MODAK_MARCH="-march=skylake-avx512"' "$out/heat3d.def" || fail "the .def does not record -march=skylake-avx512"

# The full (non-smoke) recipe of the same decision is also grammatical and carries the flags.
"$modak" recipe "$bp" -o "$work/full" >/dev/null 2>&1 || fail "modak recipe (full build) failed"
"$modak" recipe --check "$work/full/heat3d.def" >/dev/null || fail "the full definition file fails the grammar check"
grep -q 'openmpi-3.1.3.tar.bz2' "$work/full/heat3d.Containerfile" || fail "the full recipe does not build Open MPI 3.1.3"
grep -q -- '-O3 -march=skylake-avx512' "$work/full/heat3d.Containerfile" || fail "the full recipe lacks the ISA flags"

# A broken definition file is rejected with a located error.
printf 'Bootstrap: docker\nFrom: debian\n%%postt\n    true\n' >"$work/bad.def"
if "$modak" recipe --check "$work/bad.def" 2>"$work/bad.err"; then fail "--check accepted an unknown section"; fi
grep -q "bad.def:3:1: error: unknown section '%postt'" "$work/bad.err" || { cat "$work/bad.err"; fail "no located error"; }

# 3. Build the generated Containerfile for real, offline.
buildah "${S[@]}" bud --isolation chroot --pull-never -q -f "$out/heat3d.Containerfile" -t localhost/modak-heat3d:smoke \
  "$out" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "buildah could not build the generated Containerfile"; }

# 4. Run it with podman: the runscript prints the build log and the recorded MODAK_* variables.
podman "${S[@]}" --cgroup-manager=cgroupfs --runtime runc run --rm --ulimit nofile=1024:1024 \
  --ulimit nproc=1024:1024 --network=none localhost/modak-heat3d:smoke >"$work/run.out" 2>&1 ||
  { cat "$work/run.out"; fail "podman run failed"; }
for want in 'MODAK_MARCH=-march=skylake-avx512' 'MODAK_MICROARCHITECTURE=skylake_avx512' \
  'MODAK_TARGET=example-pbspro-cluster' 'MODAK_MPI=openmpi-3.1.3' 'CFLAGS=-O3 -march=skylake-avx512'; do
  grep -qF -- "$want" "$work/run.out" || { cat "$work/run.out"; fail "container output lacks '$want'"; }
done
labels=$(podman "${S[@]}" image inspect --format '{{json .Labels}}' localhost/modak-heat3d:smoke)
for want in '"org.modak.march":"-march=skylake-avx512"' '"org.modak.mpi":"openmpi 3.1.3"' '"org.modak.build":"smoke"' \
  '"org.modak.target":"example-pbspro-cluster"'; do
  grep -qF -- "$want" <<<"$labels" || { echo "$labels"; fail "image labels lack $want"; }
done
echo "PASS: buildah built and podman ran the generated recipe for heat3d (-march=skylake-avx512, openmpi 3.1.3)"
