#!/usr/bin/env bash
# Testbed smoke test: 3 donode nodes and an nginx origin (200 Mbit/s cap) in network namespaces;
# each node downloads a 16 MiB file from the origin; then everything must be gone after tb_down,
# also when the test shell fails or is sent SIGTERM.
# Usage: smoke_test.sh BUILD_DIR [DONODE_BIN DOADMIN_BIN]   (as root; exits 77 = skipped otherwise)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: smoke_test.sh BUILD_DIR [DONODE_BIN DOADMIN_BIN]}
export DONODE_BIN=${2:-$build/node/donode} DOADMIN_BIN=${3:-$build/tools/doadmin/doadmin}
testbed=$top/tools/testbed/testbed.sh
if [[ $(id -u) -ne 0 ]]; then
  echo "testbed.smoke: needs root (network namespaces); skipped"
  exit 77
fi
for t in ping nginx ip tc; do
  command -v "$t" >/dev/null || { echo "testbed.smoke: '$t' is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
start=$SECONDS
fail() {
  echo "testbed.smoke: FAILED: $*" >&2
  exit 1
}
step() { echo "testbed.smoke: [$((SECONDS - start))s] $*"; }

# Nothing of TAG is left: namespaces, links in this namespace, scratch dir, the given processes.
assert_gone() {
  local tag=$1 dir=$2 pid
  shift 2
  ! ip netns list | grep -E "^$tag-" || fail "namespaces of $tag left"
  ! ip -o link show | grep -E ": $tag(o|n[0-9]+)[@:]" || fail "links of $tag left"
  [[ ! -e $dir ]] || fail "scratch dir $dir left"
  for pid in "$@"; do
    [[ ! -e /proc/$pid ]] || [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] ||
      fail "process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline")) left"
  done
}

# shellcheck source=../../tools/testbed/testbed.sh
. "$testbed"
size=$((16 << 20))
tb_up 3 --rate-mbit 200
tag=$TB_TAG dir=$TB_DIR
step "testbed $tag up in $dir"
head -c "$size" /dev/urandom >"$TB_WWW/file"

for i in 1 2 3; do
  tb_exec "$i" ping -c 1 -W 5 "$TB_ORIGIN_IP" >/dev/null || fail "node $i cannot ping the origin"
  [[ $(tb_exec "$i" ip route show 224.0.0.0/4) == *"dev eth0"* ]] || fail "node $i has no multicast route"
  [[ -z $(tb_exec "$i" ip route show default) ]] || fail "node $i has a default route"
  tb_start_node "$i"
done
step "3 nodes started, origin reachable"

# Through the CLI, which finds this testbed by TB_TAG; timeout keeps a hung transfer from
# outliving the test.
pids=()
for i in 1 2 3; do
  TB_TAG=$tag timeout 300 "$testbed" doadmin "$i" transfer "http://$TB_ORIGIN_IP/file" "$dir/n$i/file.out" \
    >"$dir/n$i.transfer" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do
  wait "${pids[i - 1]}" || fail "node $i transfer: $(tail -n 5 "$dir/n$i.transfer"; tail -n 20 "$dir/n$i.log")"
  cmp "$TB_WWW/file" "$dir/n$i/file.out" || fail "node $i: downloaded file differs"
done
step "3 x 16 MiB downloaded through the nodes, byte-identical"

log_bytes=$(tb_origin_bytes log) tc_bytes=$(tb_origin_bytes tc)
echo "testbed.smoke: origin sent $log_bytes bytes (nginx log), $tc_bytes (tc tbf), 3 x size = $((3 * size))"
((log_bytes >= 3 * size && log_bytes <= 3 * size + 3 * size / 50)) || fail "origin log bytes $log_bytes not ~ 3 x $size"
((tc_bytes >= log_bytes)) || fail "tc counted $tc_bytes < nginx's $log_bytes"

tb_stop_node 1 || fail "node 1 did not exit cleanly on SIGTERM (status $?)"
tb_kill_node 3
[[ ! -e /proc/$(tb_node_pid 3) ]] || fail "node 3 survived SIGKILL"
mapfile -t left < <(tb_node_pid 2 && ip netns pids "$(tb_ns_origin)")
((${#left[@]} >= 2)) || fail "expected node 2 and nginx running before tb_down"
tb_down
assert_gone "$tag" "$dir" "${left[@]}"
step "tb_down removed namespaces, links, scratch dir and processes (node 2, nginx)"

# Cleanup on failure (EXIT trap) and on SIGTERM (TERM trap), in child shells.
note=$TB_ROOT/tb-smoke-$$
bash -c ". '$testbed'; tb_up 1 && echo \"\$TB_TAG \$TB_DIR\" >'$note'; false" || true
read -r tag dir <"$note"
assert_gone "$tag" "$dir"
rm -f "$note"
bash -c ". '$testbed'; tb_up 1 && tb_start_node 1 && echo \"\$TB_TAG \$TB_DIR\" >'$note.tmp' &&
  mv '$note.tmp' '$note' || exit 1; while :; do sleep 0.2; done" &
child=$!
trap 'kill "$child" 2>/dev/null || true' EXIT
for ((k = 0; k < 600; k++)); do
  [[ -s $note ]] && break
  sleep 0.05
done
read -r tag dir <"$note" || fail "the TERM-test shell did not bring its testbed up"
node_pid=$(cat "$dir/n1.pid")
kill -TERM "$child"
wait "$child" || true
rm -f "$note"
assert_gone "$tag" "$dir" "$node_pid"
step "the EXIT and TERM traps cleaned up too"
echo "testbed.smoke: ok in $((SECONDS - start))s"
