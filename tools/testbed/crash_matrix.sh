#!/usr/bin/env bash
# Crash matrix (issue 4, item 2): a fleet of nodes downloads published content from a throttled
# origin; each trial kills -9 a random node at a random moment, restarts it on the same state
# dir, and checks that no job is lost, every job finishes, every file is byte-identical, and that
# the restarted node fetches only what it was missing.
# Usage: crash_matrix.sh [TRIALS]  (root; exits 77 without it)
#   Environment: DONODE_BIN, DOADMIN_BIN (as testbed.sh), CM_NODES (4), CM_SIZE_MIB (16),
#   CM_RATE_MBIT (80), CM_SEED (random), CM_LOG (a file for the per-trial lines).
# "Fetched after the restart" is what the node's eth0 received from its restart to the end of its
# download: an upper bound of the payload it took from the origin and its peers (headers, ACKs of
# its uploads and LSD count too, hence the slack: 6% of the missing bytes + 2 MiB).
set -euo pipefail
trials=${1:-50}
[[ $trials =~ ^[0-9]+$ ]] && ((trials >= 1)) || { echo "usage: crash_matrix.sh [TRIALS]" >&2; exit 2; }
if [[ $(id -u) -ne 0 ]]; then
  echo "crash_matrix: needs root (network namespaces); skipped"
  exit 77
fi
for t in nginx ip jq sha256sum; do
  command -v "$t" >/dev/null || { echo "crash_matrix: '$t' is missing" >&2; exit 1; }
done
# shellcheck source=testbed.sh
. "$(dirname "$0")/testbed.sh"

nodes=${CM_NODES:-4} size_mib=${CM_SIZE_MIB:-16} rate=${CM_RATE_MBIT:-80}
RANDOM=${CM_SEED:-$$}
size=$((size_mib << 20))
start=$SECONDS

fail() {
  echo "crash_matrix: FAILED [trial $trial]: $*" >&2
  [[ -n ${TB_DIR:-} ]] && for f in "$TB_DIR"/n*.log; do echo "--- $f" >&2; tail -n 20 "$f" >&2; done
  exit 1
}
say() { echo "crash_matrix: [$((SECONDS - start))s] $*" | tee -a "${CM_LOG:-/dev/null}"; }
admin() {  # I ARGS...
  local i=$1
  shift
  "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" "$@"
}
rx_bytes() { tb_exec "$1" cat /sys/class/net/eth0/statistics/rx_bytes; }
start_node() {  # I
  {
    echo "min_file_size_to_cache = 0"
    echo "peer_grace_ms = 1000"
    echo "log_level = info"
  } >"$TB_DIR/n$1.conf"
  tb_start_node "$1" --config "$TB_DIR/n$1.conf"
}
job_state() { admin "$1" --json info "$2" 2>/dev/null | jq -r '.state // "GONE"' || echo GONE; }

# Totals over the run.
kills=0 double_kills=0 mid_download=0 bytes_checked=0 max_over=0 max_over_trial=0 max_ratio=0 refetched_total=0 missing_total=0

# One trial: new content, a job on every node, one kill -9, restart, then the checks.
run_trial() {
  local name=c$trial i victim delay_ms before missing rx0 rx1='' fetched over sum want
  local -a job
  head -c "$size" /dev/urandom >"$TB_WWW/$name"
  "$DOADMIN_BIN" publish "$TB_WWW/$name" --url "http://$TB_ORIGIN_IP/" >/dev/null
  want=$(sha256sum <"$TB_WWW/$name" | cut -d' ' -f1)
  for ((i = 1; i <= nodes; i++)); do
    job[i]=$(admin "$i" create "crash-$trial") || fail "node $i: create failed"
    admin "$i" addfile "${job[i]}" "http://$TB_ORIGIN_IP/$name" "$TB_DIR/n$i/out/$name" >/dev/null
  done
  for ((i = 1; i <= nodes; i++)); do admin "$i" resume "${job[i]}" >/dev/null; done
  victim=$((RANDOM % nodes + 1)) delay_ms=$((RANDOM % 3000 + 200))
  sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"
  # One look (verified bytes and state together) just before the kill.
  local info
  info=$(admin "$victim" --json info "${job[victim]}") || fail "node $victim: no job ${job[victim]}"
  before=$(jq -r '.bytes_transferred // 0' <<<"$info")
  [[ $(jq -r .state <<<"$info") == TRANSFERRED ]] || ((++mid_download))
  tb_kill_node "$victim"
  ((++kills))
  missing=$((size - before))
  rx0=$(rx_bytes "$victim")
  start_node "$victim" || fail "node $victim did not restart"
  # One trial in four kills the victim again while it starts over (checking its files, resuming).
  if ((RANDOM % 4 == 0)); then
    sleep "0.$((RANDOM % 5 + 1))"
    tb_kill_node "$victim"
    ((++kills, ++double_kills))
    start_node "$victim" || fail "node $victim did not restart after the second kill"
  fi
  # Every job finishes; the victim's job is still there after the crash.
  local k state done_nodes
  for ((k = 0; k < 900; k++)); do
    done_nodes=0
    for ((i = 1; i <= nodes; i++)); do
      state=$(job_state "$i" "${job[i]}")
      [[ $state == GONE ]] && sleep 0.5 && state=$(job_state "$i" "${job[i]}")  # a slow answer
      [[ $state == GONE ]] && fail "node $i lost job ${job[i]} (victim $victim)"
      [[ $state == ERROR ]] && fail "node $i: job ${job[i]} failed: $(admin "$i" geterror "${job[i]}" 2>&1)"
      if [[ $state == TRANSFERRED ]]; then
        ((++done_nodes))
        [[ $i == "$victim" && -z $rx1 ]] && rx1=$(rx_bytes "$victim")
      fi
    done
    ((done_nodes == nodes)) && break
    sleep 0.1
  done
  ((done_nodes == nodes)) || fail "only $done_nodes of $nodes jobs finished in 90 s (victim $victim)"
  fetched=$((rx1 - rx0))
  for ((i = 1; i <= nodes; i++)); do
    admin "$i" complete "${job[i]}" >/dev/null || fail "node $i: complete failed"
    sum=$(sha256sum <"$TB_DIR/n$i/out/$name" | cut -d' ' -f1)
    [[ $sum == "$want" ]] || fail "node $i: $name differs from the origin's (victim $victim)"
    bytes_checked=$((bytes_checked + size))
    rm -f "$TB_DIR/n$i/out/$name"
  done
  over=$((fetched - missing))
  ((over > max_over)) && max_over=$over max_over_trial=$trial
  # The largest share of the missing bytes received again, in percent (misses of a MiB or more).
  ((missing >= 1 << 20 && fetched * 100 / missing > max_ratio)) && max_ratio=$((fetched * 100 / missing))
  missing_total=$((missing_total + missing)) refetched_total=$((refetched_total + fetched))
  say "trial $trial: killed node $victim at ${delay_ms} ms with $before/$size bytes verified;" \
    "after restart it received $fetched bytes for $missing missing ($((over >= 0 ? over : 0)) over)"
  ((fetched <= missing + missing * 6 / 100 + (2 << 20))) ||
    fail "node $victim received $fetched bytes after its restart for $missing missing bytes"
  # The content leaves the caches, so that every trial starts from nothing.
  local id
  id=$(admin 1 --json cache list | jq -r --arg n "$name" '.items[] | select(.name == $n) | .id')
  for ((i = 1; i <= nodes; i++)); do admin "$i" cache delete "$id" >/dev/null 2>&1 || true; done
  rm -f "$TB_WWW/$name" "$TB_WWW/$name.torrent"
}

trial=0
tb_up "$nodes" --rate-mbit "$rate"
for ((i = 1; i <= nodes; i++)); do start_node "$i" && mkdir -p "$TB_DIR/n$i/out"; done
for ((trial = 1; trial <= trials; trial++)); do run_trial; done
say "done: $trials trials, $kills kills ($mid_download mid-download, $double_kills during a restart)," \
  "$bytes_checked bytes checked (sha256), failures 0; after restarts: received $refetched_total" \
  "bytes for $missing_total missing; max overhead $max_over bytes (trial $max_over_trial), max" \
  "received/missing $max_ratio%"
