#!/usr/bin/env bash
# The main job, end to end: builds donode if needed, then inside a private network namespace starts
# a loopback nginx origin and a node, downloads a 64 MiB file through the job API with a progress
# bar (doadmin transfer), checks it against the origin's copy and prints the job's info.
# Usage: scripts/demo.sh [SIZE_MIB=64]      (as root on Debian 12; installs what it needs)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ "${1:-}" != "--inside" ]]; then
  "$top/scripts/install-deps.sh"
  if [[ ! -x "$top/build/node/donode" || ! -x "$top/build/tools/doadmin/doadmin" ]]; then
    cmake -S "$top" -B "$top/build" -G Ninja >/dev/null
    cmake --build "$top/build" -j"$(nproc)" --target donode doadmin
  fi
  exec unshare -n -- "$0" --inside "$@"
fi
shift
size_mib=${1:-64}
. "$top/scripts/lib/loopback.sh"
begin_scratch demo
work=$WORK
mkdir -p "$work/www" "$work/downloads"
echo "demo: making a ${size_mib} MiB file on a loopback nginx origin"
head -c "$((size_mib << 20))" /dev/urandom >"$work/www/update.bin"
start_nginx "$work/nginx" "$work/www" 8080
start_donode "$top/build/node/donode"
doadmin() { "$top/build/tools/doadmin/doadmin" --socket "$work/donode.sock" "$@"; }

echo "demo: downloading http://127.0.0.1:8080/update.bin through the node"
doadmin transfer --name demo --info http://127.0.0.1:8080/update.bin "$work/downloads/update.bin"
if cmp -s "$work/www/update.bin" "$work/downloads/update.bin"; then
  echo "demo: the downloaded file is byte-identical to the origin's ($(stat -c %s "$work/downloads/update.bin") bytes)"
else
  echo "demo: FAILED: the downloaded file differs from the origin's" >&2
  exit 1
fi
