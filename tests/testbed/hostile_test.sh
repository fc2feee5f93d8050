#!/usr/bin/env bash
# Hostile peers on a LAN of namespaces (issue 4, item 3): a peer that serves corrupt pieces is
# banned and nothing of its data reaches the file; a peer that floods connections, requests and
# garbage does not starve a job on the node it floods, nor bring the node down.
# Usage: hostile_test.sh BUILD_DIR DONODE DOADMIN PEER_FLOOD [CASE...]  (root; 77 = skipped)
#   CASE: badpeer, flood (default: both)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: hostile_test.sh BUILD_DIR DONODE DOADMIN PEER_FLOOD [CASE...]}
export DONODE_BIN=${2:-$build/node/donode} DOADMIN_BIN=${3:-$build/tools/doadmin/doadmin}
peer_flood=${4:-$build/tools/testbed/peer_flood}
shift 4 || true
cases=("$@")
[[ ${#cases[@]} -gt 0 ]] || cases=(badpeer flood)
TB_TEST=testbed.hostile
NODE_DEFAULTS=()
# shellcheck source=case_lib.sh
. "$top/tests/testbed/case_lib.sh"
[[ -x $peer_flood ]] || { echo "testbed.hostile: no peer_flood at '$peer_flood'" >&2; exit 1; }

admin() {  # I ARGS...  (doadmin on node I's socket; the socket is a file, no namespace needed)
  local i=$1
  shift
  "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" "$@"
}
# Starts a job for the origin's file on node I; prints its id.
start_job() {  # I NAME
  local job
  job=$(admin "$1" create "$2") &&
    admin "$1" addfile "$job" "http://$TB_ORIGIN_IP/file" "$TB_DIR/n$1/out" >/dev/null &&
    admin "$1" resume "$job" >/dev/null && echo "$job"
}
# Waits until JOB on node I is TRANSFERRED (SECONDS at most); fails on ERROR.
wait_transferred() {  # I JOB SECONDS
  local state='' k
  for ((k = 0; k < $3 * 10; k++)); do
    state=$(admin "$1" --json info "$2" | jq -r .state)
    [[ $state == TRANSFERRED ]] && return 0
    [[ $state == ERROR ]] && fail "node $1: job $2 failed: $(admin "$1" geterror "$2" 2>&1)"
    sleep 0.1
  done
  fail "node $1: job $2 is $state after $3 s"
}
live_stat() {  # I JOB FIELD → the file's stats field while it is in the swarm
  admin "$1" --json sources "$2" | jq -r ".files[0].stats.$3 // 0"
}
now_ms() { date +%s%3N; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Changes 64 bytes (each one plus one) in the middle of every 4th piece of FILE (PIECE bytes each) in place.
corrupt_pieces() {  # FILE PIECE PIECES
  local file=$1 piece=$2 pieces=$3 p offset
  for ((p = 1; p < pieces; p += 4)); do
    offset=$((p * piece + piece / 2))
    dd if="$file" bs=1 skip="$offset" count=64 status=none | LC_ALL=C tr '\000-\377' '\001-\377\000' |
      dd of="$file" bs=1 seek="$offset" count=64 conv=notrunc status=none
  done
}

case_badpeer() {
  tb_up 2 --rate-mbit 400 --no-trap
  make_content 16
  local size=$((16 << 20)) job1 job2 id cached piece pieces
  # Node 2 waits for peers before the origin, so that the bad seed is its first source.
  start_nodes 1 1
  start_nodes 2 2 peer_grace_ms=4000
  job1=$(start_job 1 seed) || fail "node 1: cannot start its job"
  wait_transferred 1 "$job1" 60
  admin 1 complete "$job1" >/dev/null
  cmp -s "$TB_WWW/file" "$TB_DIR/n1/out" || fail "node 1: its copy differs"
  id=$(admin 1 --json sources "$job1" | jq -r '.files[0].stats.content_id')
  cached=$TB_DIR/n1/cache/content/$id/file
  [[ -f $cached ]] || fail "node 1 has no cached copy at $cached"
  [[ $(admin 1 --json cache list | jq -r '.items[0].seeding') == true ]] || fail "node 1 does not seed"
  # Node 1 turns bad: a quarter of its cached pieces are corrupt, and libtorrent serves what is
  # on disk without checking it again.
  piece=$((256 << 10)) pieces=$((size / (256 << 10)))
  corrupt_pieces "$cached" $piece $pieces
  ! cmp -s "$cached" "$TB_WWW/file" || fail "the cached copy was not corrupted"
  step "node 1 seeds $pieces pieces, $(((pieces + 2) / 4)) of them corrupt on disk"
  tb_set_rate 40  # the origin is slow: node 2 takes what it can from node 1
  job2=$(start_job 2 victim) || fail "node 2: cannot start its job"
  wait_transferred 2 "$job2" 60
  local banned failures refetched from_lan conns
  banned=$(live_stat 2 "$job2" peers_banned)
  failures=$(live_stat 2 "$job2" hash_failures)
  refetched=$(live_stat 2 "$job2" bytes_refetched)
  from_lan=$(live_stat 2 "$job2" bytes_from_lan_peers)
  conns=$(live_stat 2 "$job2" lan_connections)
  admin 2 complete "$job2" >/dev/null || fail "node 2: complete failed"
  cmp -s "$TB_WWW/file" "$TB_DIR/n2/out" || fail "node 2: the file differs from the origin's"
  cmp -s "$TB_WWW/file" "$TB_DIR/n2/cache/content/$id/file" || fail "node 2: its cached copy differs"
  ((failures >= 1)) || fail "node 2 saw no hash failure (from node 1: $from_lan bytes)"
  ((banned >= 1)) || fail "node 2 did not ban node 1 ($failures hash failures)"
  ((refetched >= piece)) || fail "node 2 counted $refetched refetched bytes for $failures bad pieces"
  ((conns == 0)) || fail "node 2 is still connected to the bad peer ($conns connections)"
  grep -q "failed its hash check" "$TB_DIR/n2.log" &&
    fail "node 2 blamed the origin for the bad peer's pieces"
  step "node 2: $failures bad piece(s) from node 1, $banned peer banned, $refetched bytes refetched," \
    "$from_lan good bytes from node 1; file identical"
}

# Downloads the origin's file on node I; prints the milliseconds it took.
timed_download() {  # I NAME
  local t0 job
  t0=$(now_ms)
  job=$(start_job "$1" "$2") || fail "node $1: cannot start its job"
  wait_transferred "$1" "$job" 120
  echo $(($(now_ms) - t0)) "$job"
}

case_flood() {
  tb_up 4 --rate-mbit 400 --no-trap
  make_content 24
  local i sources=() port pid base_ms flood_ms job rss0 rss_max=0 rss flooder id k t0
  start_nodes 1 3
  job=$(start_job 1 seed) || fail "node 1: cannot start its job"
  wait_transferred 1 "$job" 60
  admin 1 complete "$job" >/dev/null
  id=$(admin 1 --json sources "$job" | jq -r '.files[0].stats.content_id')
  tb_set_rate 80
  # Unflooded: node 2 takes the content from node 1 and the origin.
  read -r base_ms job < <(timed_download 2 base)
  admin 2 complete "$job" >/dev/null
  cmp -s "$TB_WWW/file" "$TB_DIR/n2/out" || fail "node 2: the file differs"
  admin 2 cache delete "$id" >/dev/null || fail "node 2: cannot delete its cached copy"
  step "unflooded: node 2 took $base_ms ms"
  # The flood comes from 60 addresses of namespace n4, so the one-connection-per-address rule
  # does not stop it by itself.
  for ((i = 100; i < 160; i++)); do
    tb_exec 4 ip addr add "$TB_PREFIX.$i/24" dev eth0
    sources+=("$TB_PREFIX.$i")
  done
  port=$(admin 3 --json status | jq -r .listen_port)
  pid=$(tb_node_pid 3)
  rss0=$(rss_kib "$pid")
  tb_exec 4 nice -n 5 "$peer_flood" --target "$(tb_node_ip 3):$port" --torrent "$TB_WWW/file.torrent" \
    --connections 400 --seconds "${FLOOD_SECONDS:-25}" --mode mixed \
    --bind "$(IFS=,; echo "${sources[*]}")" >"$TB_DIR/flood.json" 2>"$TB_DIR/flood.err" &
  flooder=$!
  sleep 3  # the flood is under way before the job starts
  t0=$(now_ms)
  job=$(start_job 3 flooded) || fail "node 3: cannot start its job"
  for ((k = 0; k < 1200; k++)); do
    rss=$(rss_kib "$pid")
    ((rss > rss_max)) && rss_max=$rss
    [[ $(admin 3 --json info "$job" | jq -r .state) == TRANSFERRED ]] && break
    sleep 0.1
  done
  flood_ms=$(($(now_ms) - t0))
  [[ $(admin 3 --json info "$job" | jq -r .state) == TRANSFERRED ]] || fail "node 3: not done under the flood"
  local peers_from http_from
  peers_from=$(live_stat 3 "$job" bytes_from_lan_peers)
  http_from=$(live_stat 3 "$job" bytes_from_http)
  admin 3 complete "$job" >/dev/null || fail "node 3: complete failed"
  cmp -s "$TB_WWW/file" "$TB_DIR/n3/out" || fail "node 3: the file differs"
  # The node keeps answering, in bounded memory, for as long as the flood goes on.
  while tb__alive "$flooder"; do
    rss=$(rss_kib "$pid")
    ((rss > rss_max)) && rss_max=$rss
    admin 3 --json status >/dev/null || fail "node 3 does not answer under the flood"
    sleep 0.5
  done
  wait "$flooder" || fail "peer_flood failed: $(cat "$TB_DIR/flood.err")"
  tb__alive "$pid" || fail "node 3 died under the flood"
  admin 3 --json status >/dev/null || fail "node 3 does not answer after the flood"
  step "flood: $(cat "$TB_DIR/flood.json")"
  step "flooded: node 3 took $flood_ms ms (peers $peers_from, origin $http_from bytes) vs $base_ms ms" \
    "unflooded; RSS $((rss0 / 1024)) MiB before, $((rss_max / 1024)) MiB peak"
  (($(jq .handshakes "$TB_DIR/flood.json") > 0)) || fail "the flood never got past the handshake"
  ((flood_ms <= 3 * base_ms)) || fail "the flooded download took $flood_ms ms, more than 3 x $base_ms ms"
  ((rss_max - rss0 <= 200 << 10)) || fail "node 3 grew from $rss0 KiB to $rss_max KiB under the flood"
}

trap 'tb_down >/dev/null 2>&1 || true' EXIT INT TERM
for case in "${cases[@]}"; do
  "case_$case"
  tb_down >/dev/null
done
echo "testbed.hostile: all passed in $((SECONDS - start)) s"
