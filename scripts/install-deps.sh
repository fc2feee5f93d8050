#!/usr/bin/env bash
# Installs the Debian 12 packages donode needs to build, test and demo. Run as root.
# Usage: scripts/install-deps.sh
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git
  libtorrent-rasterbar-dev libboost-dev libboost-system-dev
  libcurl4-openssl-dev libspdlog-dev libfmt-dev libsqlite3-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libssl-dev
  nginx-light curl iproute2 iputils-ping jq util-linux procps time
  clang libclang-rt-14-dev          # libFuzzer (tools/fuzz/run.sh)
  chromium                          # the activity monitor's page test (headless)
  dpkg-dev apt-utils                # packages (cpack) and the APT method's test repository
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
