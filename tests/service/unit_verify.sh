#!/usr/bin/env bash
# systemd-analyze verify on packaging/donode.service, its ExecStart pointed at the built daemon
# (the unit names /usr/bin/donode, which this machine may not have). 77: no systemd-analyze.
# Usage: unit_verify.sh UNIT DONODE_BIN
set -euo pipefail
unit=$1 donode=$2
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#^ExecStart=/usr/bin/donode #ExecStart=$donode #" "$unit" >"$work/donode.service"
grep -q "^ExecStart=$donode " "$work/donode.service"
# verify prints problems but may exit 0 on warnings: any output is a failure.
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$work/donode.service" 2>&1) || {
  echo "$out"; exit 1; }
# Missing users are not the unit's fault on a machine without the package.
out=$(grep -v -e "User=donode" -e "Group=donode" <<<"$out" || true)
[[ -z "$out" ]] || { echo "$out"; exit 1; }
echo "unit verified: $(grep -c '=' "$unit") settings"
