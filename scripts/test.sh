#!/usr/bin/env bash
# Builds donode and runs its whole test suite inside a private network namespace (only loopback),
# fuzzes the IPC parser and the torrent reader for a short while (libFuzzer), then builds and runs
# the suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh              (as root on Debian 12; installs what it needs)
#        DONODE_SANITIZE=0 scripts/test.sh   (skip the sanitizer pass)
#        DONODE_FUZZ=0 scripts/test.sh       (skip the fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

# run_suite BUILD_DIR [CMAKE_ARGS...] [-- CTEST_ARGS...]
run_suite() {
  local build=$1
  shift
  local cmake_args=() ctest_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do cmake_args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  ctest_args=("$@")
  cmake -S . -B "$build" -G Ninja "${cmake_args[@]}" >/dev/null
  cmake --build "$build" -j"$(nproc)"
  # Every test runs in a fresh network namespace: nothing it starts can reach beyond loopback.
  unshare -n -- bash -c "ip link set lo up && ctest --test-dir '$build' --output-on-failure -j2 \
    --timeout 600 ${ctest_args[*]}"
}

run_suite build
if [[ "${DONODE_FUZZ:-1}" != 0 ]]; then
  echo "== libFuzzer: the IPC parser and the torrent reader, 20 CPU-seconds each =="
  tools/fuzz/run.sh --seconds 20 --max-wall 90 --no-merge
fi
if [[ "${DONODE_SANITIZE:-1}" != 0 ]]; then
  echo "== the same suite under ASan+UBSan =="
  # Installing packages (deb, apt) and the browser check exercise no code the plain pass did not.
  run_suite build-asan -DDONODE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -- \
    -E "'^(service\.deb_install|apt\.(install|corrupt|lan)|monitor\.page)$'"
fi
