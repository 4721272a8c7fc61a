#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, run and test.
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # inference: LibTorch 1.13 (CPU), image I/O and video writing, YAML, Eigen for the fast engine
  libtorch-dev libopencv-dev libyaml-cpp-dev libeigen3-dev libcli11-dev nlohmann-json3-dev
  # training: the headers of Gloo, which LibTorch's c10d process groups use
  libgloo-dev
  # tracking: dlib with its 68-point landmark model
  libdlib-dev libdlib-data
  # OBS plugin and its headless tests
  libobs-dev obs-studio libx11-dev xvfb xauth libgl1-mesa-dri dpkg-dev
  # tests and fuzzing
  catch2 clang libclang-rt-14-dev
  # the format check (scripts/check-format.sh)
  clang-format
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
