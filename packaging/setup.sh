#!/usr/bin/env bash
# Installs the Debian 12 packages NeuronScope builds and runs with. Safe to run again: it does
# nothing when everything is already installed. Run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake
  qt6-base-dev libqt6sql6-sqlite qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-openmp   # OpenBLAS: without it libtorch falls back to reference BLAS, ~100x slower
  nlohmann-json3-dev libsqlite3-dev pkgconf libcpp-httplib-dev
  xvfb xauth poppler-utils
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: run as root to install: ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
