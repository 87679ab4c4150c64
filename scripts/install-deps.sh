#!/usr/bin/env bash
# Installs everything modak needs to build and test, from Debian 12 packages only.
# Idempotent: apt-get skips what is already there. Run as root (CI and the README do).
set -euo pipefail

build_deps=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libyaml-dev libyaml-cpp-dev libcurl4-openssl-dev libboost-dev libboost-filesystem-dev
  libxerces-c-dev libzip-dev nlohmann-json3-dev libcli11-dev doctest-dev
)
test_deps=(
  python3 python3-yaml zip unzip openssl time
)

missing=()
for p in "${build_deps[@]}" "${test_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all build and test dependencies present"
