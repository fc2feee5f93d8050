#!/usr/bin/env bash
# Builds donode and runs its whole test suite inside a private network namespace (only loopback),
# then builds and runs the same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh              (as root on Debian 12; installs what it needs)
#        DONODE_SANITIZE=0 scripts/test.sh   (skip the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

run_suite() {
  local build=$1
  shift
  cmake -S . -B "$build" -G Ninja "$@" >/dev/null
  cmake --build "$build" -j"$(nproc)"
  # Every test runs in a fresh network namespace: nothing it starts can reach beyond loopback.
  unshare -n -- bash -c "ip link set lo up && ctest --test-dir '$build' --output-on-failure -j2 --timeout 600"
}

run_suite build
if [[ "${DONODE_SANITIZE:-1}" != 0 ]]; then
  echo "== the same suite under ASan+UBSan =="
  run_suite build-asan -DDONODE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
