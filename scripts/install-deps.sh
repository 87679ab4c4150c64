#!/usr/bin/env bash
# Installs everything modak needs to build and test, from Debian 12 packages only (plus the two
# npm modules of the Kubernetes validator, pinned by tests/real/k8s/package-lock.json).
# Idempotent and quick when everything is present: nothing is downloaded then. Run as root
# (CI and the README do).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_deps=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libyaml-dev libyaml-cpp-dev libcurl4-openssl-dev libboost-dev libboost-filesystem-dev
  libxerces-c-dev libzip-dev nlohmann-json3-dev libcli11-dev doctest-dev
)
# clang-14 + compiler-rt: the sanitizer (ASan + UBSan) build of the whole suite and the libFuzzer
# targets; llvm-14 brings llvm-symbolizer for readable sanitizer reports.
test_deps=(
  clang-14 libclang-rt-14-dev llvm-14
  python3 python3-yaml zip unzip openssl time hwloc graphviz
  podman buildah runc skopeo busybox-static
)
# Real components the tests run against (docs/real-components.md): a one-node Slurm cluster
# (tests/real/slurm-up.sh), Slurm's Torque wrappers (qsub), and the Python Kubernetes models
# used by tests/real/k8s/strict_fields.py; a local OCI registry, buildah/skopeo and a static busybox
# for tests/scripts/pin_registry_test.sh (libssl-dev: libcrypto's SHA-256 for digests).
real_deps=(
  slurm-wlm munge slurm-wlm-torque
  python3-kubernetes
  docker-registry apache2-utils libssl-dev buildah skopeo busybox-static
)

missing=()
for p in "${build_deps[@]}" "${test_deps[@]}" "${real_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

# Node.js runs tests/real/k8s/validate.js. An image may already carry a newer node (for example
# NodeSource's nodejs 20, which bundles npm and conflicts with Debian's npm package): keep
# whatever is there and install Debian's nodejs/npm only when the commands are missing.
if ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
elif ! command -v npm >/dev/null 2>&1; then
  node_pkg_provides=$(dpkg-query -W -f='${Provides}' nodejs 2>/dev/null || true)
  if [[ "$node_pkg_provides" == *npm* ]]; then
    echo "install-deps: node is installed without npm, but its nodejs package conflicts with" \
      "Debian's npm; install npm by hand" >&2
    exit 2
  fi
  missing+=(npm)
fi

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The Slurm and munge postinst scripts ask invoke-rc.d to start their services; in a container
  # without systemd (policy-rc.d exits 101) that is refused with a warning, which is what we want:
  # tests/real/slurm-up.sh starts its own daemons under its own directory.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm modules for the Kubernetes validator, exactly as locked. Reinstalled only when
# node_modules is absent or older than the lock file.
k8s=$root/tests/real/k8s
stamp=$k8s/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$k8s/package-lock.json" -nt "$stamp" ]; then
  echo "install-deps: npm ci in tests/real/k8s"
  if ! npm ci --prefix "$k8s" --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "install-deps: 'npm ci --prefix $k8s' failed (is the npm registry reachable?)" >&2
    exit 1
  fi
fi
echo "install-deps: all build and test dependencies present"
