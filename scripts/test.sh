#!/usr/bin/env bash
# Builds donode and runs its whole test suite inside a private network namespace (only loopback).
# Usage: scripts/test.sh            (as root on Debian 12; installs what it needs)
#        DONODE_SANITIZE=1 scripts/test.sh   (ASan+UBSan build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build
extra=()
if [[ "${DONODE_SANITIZE:-0}" == 1 ]]; then
  build=build-asan
  extra=(-DDONODE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
cmake -S . -B "$build" -G Ninja "${extra[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
# Every test runs in a fresh network namespace: nothing it starts can reach beyond loopback.
unshare -n -- bash -c "ip link set lo up && ctest --test-dir '$build' --output-on-failure -j2 --timeout 600"
