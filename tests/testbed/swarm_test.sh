#!/usr/bin/env bash
# The swarm on a LAN of namespaces (issue 3's done-when 1-5): nodes find each other by LSD alone
# and share the origin's work; a late node takes nothing from the origin; corrupt origin pieces
# are caught and fetched again; mode 0 makes no peer connection, two groups exchange nothing,
# mode 99 asks for no metadata; kill -9 mid-download resumes from the verified pieces.
# Usage: swarm_test.sh BUILD_DIR DONODE DOADMIN TEST_ORIGIN [CASE...]  (root; 77 = skipped)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: swarm_test.sh BUILD_DIR DONODE DOADMIN TEST_ORIGIN [CASE...]}
export DONODE_BIN=${2:-$build/node/donode} DOADMIN_BIN=${3:-$build/tools/doadmin/doadmin}
test_origin=${4:-$build/tests/origin/support/test_origin}
shift 4 || true
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=(share corrupt modes kill9)
TB_TEST=testbed.swarm
NODE_DEFAULTS=(peer_grace_ms=3000)  # generous: sanitizer builds start peers slowly
# shellcheck source=case_lib.sh
. "$top/tests/testbed/case_lib.sh"

# Downloads URL on node I through the job API (doadmin transfer); prints the job's JSON.
fetch() {  # I URL
  local i=$1 url=$2
  timeout "${FETCH_TIMEOUT:-300}" "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" --json transfer --info "$url" \
    "$TB_DIR/n$i/out" >"$TB_DIR/n$i.json" 2>"$TB_DIR/n$i.err" ||
    fail "node $i: transfer failed: $(cat "$TB_DIR/n$i.err" "$TB_DIR/n$i.json")"
  # The node's own figures (refetched bytes too), of the job just acknowledged.
  "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" --json sources "$(jq -r .id "$TB_DIR/n$i.json")" \
    >"$TB_DIR/n$i.src.json" || fail "node $i: doadmin sources failed"
}
stat_of() {  # I FIELD → the file's stats field (job.list_files, docs/protocol.md)
  jq -r ".files[0].stats.$2 // 0" "$TB_DIR/n$1.src.json"
}
from_peers() { echo $(($(stat_of "$1" bytes_from_lan_peers) + $(stat_of "$1" bytes_from_group_peers) + $(stat_of "$1" bytes_from_internet_peers))); }
check_file() {  # I
  cmp -s "$TB_WWW/file" "$TB_DIR/n$1/out" || fail "node $1: the file differs from the origin's"
}
# Bytes by source add up to the size plus the counted refetches.
check_sources() {  # I SIZE
  local i=$1 size=$2 http peers refetched
  http=$(stat_of "$i" bytes_from_http) peers=$(from_peers "$i") refetched=$(stat_of "$i" bytes_refetched)
  ((http + peers == size + refetched)) ||
    fail "node $i: http $http + peers $peers != size $size + refetched $refetched"
  step "node $i: http $http + peers $peers = size + refetched $refetched"
}
origin_requests() { grep -c "$1" "$TB_DIR/origin/access.log" || true; }

case_share() {  # done-when 1 and 2
  tb_up 4 --rate-mbit 200 --no-trap
  make_content 24
  local size=$((24 << 20)) pids=() i origin
  start_nodes 1 3
  for i in 1 2 3; do
    fetch "$i" "http://$TB_ORIGIN_IP/file" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || fail "a transfer failed"; done
  origin=$(tb_origin_bytes log)
  for i in 1 2 3; do
    check_file "$i"
    check_sources "$i" $size
    (($(from_peers "$i") > 0)) || fail "node $i got nothing from its peers"
  done
  ((origin * 2 < size * 3)) || fail "origin sent $origin bytes for $size: not < 1.5 copies"
  step "3 nodes by LSD: origin sent $origin bytes for $size ($(awk "BEGIN{printf \"%.3f\", $origin/$size}") copies)"
  # The content stays in node 1's cache, seeded, apart from the destination (a copy, not a link).
  local cached
  [[ $(tb_doadmin 1 --json cache list | jq -r '.items[0].seeding') == true ]] || fail "node 1 does not seed"
  cached=$TB_DIR/n1/cache/content/$(stat_of 1 content_id)/file
  [[ -f $cached ]] && cmp -s "$cached" "$TB_WWW/file" || fail "node 1 did not keep the content in its cache"
  [[ $(stat -c %i "$cached") != $(stat -c %i "$TB_DIR/n1/out") ]] || fail "the destination is the cache file"
  # A node that starts after the others finished takes nothing from the origin.
  start_nodes 4 4
  fetch 4 "http://$TB_ORIGIN_IP/file"
  check_file 4
  check_sources 4 $size
  (($(stat_of 4 bytes_from_http) == 0)) || fail "the late node took $(stat_of 4 bytes_from_http) bytes from the origin"
  step "late node: everything from peers ($(from_peers 4) bytes)"
}

case_corrupt() {  # done-when 3: the fault origin corrupts the first answers of some pieces
  tb_up 2 --rate-mbit 400 --no-trap
  make_content 8 "http://$TB_ORIGIN_IP:8080/"
  tb_exec o "$test_origin" --root "$TB_WWW" --port-file "$TB_DIR/fault.port" --port 8080 --address "$TB_ORIGIN_IP" \
    --fault "/file:corrupt=0-8388607,first=4" >"$TB_DIR/fault.log" 2>&1 &
  for _ in $(seq 50); do [[ -s $TB_DIR/fault.port ]] && break; sleep 0.1; done
  [[ -s $TB_DIR/fault.port ]] || fail "the fault origin did not start: $(cat "$TB_DIR/fault.log")"
  start_nodes 1 2
  fetch 1 "http://$TB_ORIGIN_IP:8080/file"
  check_file 1
  check_sources 1 $((8 << 20))
  (($(stat_of 1 bytes_refetched) > 0)) || fail "no corrupt piece was counted"
  # The second node downloads from the first and the origin: nothing corrupt reaches it.
  fetch 2 "http://$TB_ORIGIN_IP:8080/file"
  check_file 2
  step "corrupt origin pieces caught: node 1 refetched $(stat_of 1 bytes_refetched) bytes; node 2 clean"
}

case_modes() {  # done-when 4
  tb_up 3 --rate-mbit 400 --no-trap
  make_content 12
  local size=$((12 << 20))
  # Node 1 seeds; node 2 in mode 0 must take everything from the origin, connected to no peer.
  start_nodes 1 1
  fetch 1 "http://$TB_ORIGIN_IP/file"
  start_nodes 2 2 download_mode=0
  fetch 2 "http://$TB_ORIGIN_IP/file"
  check_file 2
  (($(from_peers 2) == 0 && $(stat_of 2 bytes_from_http) == size)) || fail "mode 0 used peers"
  [[ $(jq '.connections.lan + .connections.group + .connections.internet' <(tb_doadmin 2 --json status)) == 0 ]] ||
    fail "mode 0 node has peer connections"
  step "mode 0: $size bytes from the origin, no peer"
  tb_stop_node 2 >/dev/null
  # Mode 99 asks for no metadata.
  local before
  before=$(origin_requests "file.torrent")
  rm -rf "$TB_DIR/n2"
  start_nodes 2 2 download_mode=99
  fetch 2 "http://$TB_ORIGIN_IP/file"
  check_file 2
  (($(origin_requests "file.torrent") == before)) || fail "mode 99 asked for the sidecar"
  step "mode 99: no metadata request"
  tb_stop_node 2 >/dev/null
  tb_stop_node 1 >/dev/null
  rm -rf "$TB_DIR/n1" "$TB_DIR/n2"
  # Groups: nodes 1 and 2 in group A, node 3 in group B: 3 gets nothing from 1 and 2.
  start_nodes 1 2 download_mode=2 group_id=site-a
  start_nodes 3 3 download_mode=2 group_id=site-b
  fetch 1 "http://$TB_ORIGIN_IP/file"
  fetch 2 "http://$TB_ORIGIN_IP/file"
  fetch 3 "http://$TB_ORIGIN_IP/file"
  for i in 2 3; do check_file "$i"; done
  (($(stat_of 2 bytes_from_group_peers) + $(stat_of 2 bytes_from_lan_peers) > 0)) || fail "group A shared nothing"
  (($(from_peers 3) == 0)) || fail "group B took $(from_peers 3) bytes from group A"
  step "groups: A shared $(from_peers 2) bytes, B took none from A"
}

case_kill9() {  # done-when 5
  tb_up 1 --rate-mbit 80 --no-trap
  make_content 32
  local size=$((32 << 20))
  start_nodes 1 1
  local sock job
  sock=$(tb_node_socket 1)
  job=$("$DOADMIN_BIN" --socket "$sock" create kill9)
  "$DOADMIN_BIN" --socket "$sock" addfile "$job" "http://$TB_ORIGIN_IP/file" "$TB_DIR/n1/out" >/dev/null
  "$DOADMIN_BIN" --socket "$sock" resume "$job" >/dev/null
  local done_bytes=0
  for _ in $(seq 200); do
    done_bytes=$("$DOADMIN_BIN" --socket "$sock" --json info "$job" | jq '.bytes_transferred // 0')
    ((done_bytes * 3 >= size)) && break
    sleep 0.1
  done
  ((done_bytes * 3 >= size)) || fail "no progress before the kill"
  tb_kill_node 1
  local at_kill
  at_kill=$(tb_origin_bytes log)
  step "killed at $done_bytes verified bytes (origin sent $at_kill)"
  tb_start_node 1 --config "$TB_DIR/n1.conf"
  for _ in $(seq 600); do
    [[ $("$DOADMIN_BIN" --socket "$sock" --json info "$job" | jq -r '.state') == TRANSFERRED ]] && break
    sleep 0.1
  done
  "$DOADMIN_BIN" --socket "$sock" complete "$job" >/dev/null || fail "complete failed after restart"
  check_file 1
  local total
  total=$(tb_origin_bytes log)
  # After the restart only what was missing is fetched (pieces in flight at the kill may repeat).
  ((total - at_kill <= size - done_bytes + (4 << 20))) ||
    fail "after restart the origin sent $((total - at_kill)) bytes; missing were $((size - done_bytes))"
  step "resumed: origin sent $((total - at_kill)) more bytes for $((size - done_bytes)) missing"
}

trap 'tb_down >/dev/null 2>&1 || true' EXIT INT TERM
for case in "${cases[@]}"; do
  "case_$case"
  tb_down >/dev/null
done
echo "testbed.swarm: all passed in $((SECONDS - start)) s"
