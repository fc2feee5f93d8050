#!/usr/bin/env bash
# Fleet benchmark (swarm, done-when 6): N nodes in the namespace testbed fetch the same content from
# an origin capped at R Mbit/s, all started together; donode mode 1 against mode 0 and aria2c.
# Usage (root): tools/bench/bench_fleet.sh [--nodes 8] [--size-mib 256] [--rate-mbit 100]
#                 [--build DIR] [--scenarios mode1,mode0,aria2c] [--timeout S]
# Each scenario runs on a fresh testbed (tb_up .. tb_down), so the origin's counters are its own.
# Prints one table: origin bytes / size (target <= 1.05) and makespan / (size / rate) (target
# <= 1.15). Exit status: 0 when every scenario ran and its files are identical (a missed target is
# not a failure), 1 when a run broke, 2 on a usage error. Without a sidecar (doadmin publish fails)
# aria2c is SKIPPED, not broken; a config key the donode build rejects is dropped and flagged in the
# row. donode's makespan ends when `doadmin transfer` sees the job done (it polls every 0.5 s).
# Environment: PUBLISH_DOADMIN (doadmin used for `publish`, default the build's), TB_* (testbed.sh).
set -euo pipefail
self=$(readlink -f "$0")
top=$(cd "$(dirname "$self")/../.." && pwd)

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$self" >&2
  exit 2
}

nodes=8 size_mib=256 rate=100 build=$top/build scenarios=mode1,mode0,aria2c timeout_s=''
args=("$@")
while (($#)); do
  case $1 in
    --nodes) nodes=${2:-} && shift 2 ;;
    --size-mib) size_mib=${2:-} && shift 2 ;;
    --rate-mbit) rate=${2:-} && shift 2 ;;
    --build) build=${2:-} && shift 2 ;;
    --scenarios) scenarios=${2:-} && shift 2 ;;
    --timeout) timeout_s=${2:-} && shift 2 ;;
    -h | --help) usage ;;
    *) echo "bench_fleet: unknown option '$1'" >&2 && usage ;;
  esac
done
[[ $nodes =~ ^[0-9]+$ ]] && ((nodes >= 1 && nodes <= 200)) || { echo "bench_fleet: --nodes 1..200" >&2; exit 2; }
[[ $size_mib =~ ^[0-9]+$ ]] && ((size_mib >= 1)) || { echo "bench_fleet: --size-mib >= 1" >&2; exit 2; }
[[ $rate =~ ^[0-9]+$ ]] && ((rate >= 1)) || { echo "bench_fleet: --rate-mbit >= 1" >&2; exit 2; }
[[ -z $timeout_s || $timeout_s =~ ^[0-9]+$ ]] || { echo "bench_fleet: --timeout takes seconds" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "bench_fleet: needs root (network namespaces)" >&2; exit 2; }

# The testbed's namespaces have no route out; running the whole script in a private namespace as
# well keeps anything started outside them (publish) off the host network.
if [[ $(readlink /proc/self/ns/net) == "$(readlink /proc/1/ns/net)" ]]; then
  [[ ${BENCH_FLEET_INSIDE:-0} == 0 ]] || { echo "bench_fleet: unshare -n did not give a private namespace" >&2; exit 1; }
  export BENCH_FLEET_INSIDE=1
  exec unshare -n -- bash -c 'ip link set lo up && exec "$0" "$@"' "$self" "${args[@]}"
fi

export TB_BUILD_DIR=$build
export DONODE_BIN=${DONODE_BIN:-$build/node/donode} DOADMIN_BIN=${DOADMIN_BIN:-$build/tools/doadmin/doadmin}
publish_bin=${PUBLISH_DOADMIN:-$DOADMIN_BIN}
for t in aria2c jq cmp; do
  command -v "$t" >/dev/null || { echo "bench_fleet: '$t' is missing" >&2; exit 1; }
done
# shellcheck source=../testbed/testbed.sh
. "$top/tools/testbed/testbed.sh"

size=$((size_mib << 20))
ideal=$(awk -v b="$size" -v r="$rate" 'BEGIN {printf "%.3f", b * 8 / (r * 1e6)}')
[[ -n $timeout_s ]] || timeout_s=$(awk -v i="$ideal" 'BEGIN {printf "%d", 10 * i + 120}')
work=$TB_ROOT/donode-fleet-$$
notes=() rows=() sources=() broken=0 dropped='' scenario_no=0

cleanup() {
  tb_down
  rm -rf "$work"
}
# tb_down clears the traps of the testbed it ends; ours (the content dir) must stay.
down() {
  tb_down
  own_traps
}
# tb_up installs tb_down as the trap; this puts ours (which also removes the content) back.
own_traps() {
  trap cleanup EXIT
  trap 'cleanup; exit 130' INT
  trap 'cleanup; exit 143' TERM
}
own_traps
note() {
  notes+=("$*")
  echo "bench_fleet: $*" >&2
}
now() { date +%s.%N; }
max_of() { sort -g | tail -n 1; }

# The content, made once and served by every testbed (--origin-root), and its sidecar torrent.
make_content() {
  mkdir -p "$work/www" "$work/cfg"
  head -c "$size" /dev/urandom >"$work/www/file"
  torrent=$work/www/file.torrent
  if "$publish_bin" publish "$work/www/file" --url "http://$TB_PREFIX.1/" >"$work/publish.out" 2>&1 &&
    [[ -s $torrent ]]; then
    return 0
  fi
  note "no sidecar: '$publish_bin publish' failed ($(tail -n 2 "$work/publish.out" | tr '\n' ' '));" \
    "mode 1 runs origin-only and aria2c is skipped"
  rm -f "$torrent"
  torrent=''
}

# Usage: write_config MODE FILE
write_config() {
  printf '%s\n' "download_mode = $1" "min_file_size_to_cache = 0" "listen_port = 7680" \
    "peer_grace_ms = 2000" >"$2"
}

# Starts every node with CONFIG. A key this donode build does not know yet is dropped (and noted)
# rather than failing the run, so the script also works against a build without the swarm.
start_nodes() {
  local cfg=$1 i key
  for ((i = 1; i <= nodes; i++)); do
    until tb_start_node "$i" --config "$cfg" 2>"$work/start.err"; do
      key=$(grep -o "unknown setting '[a-z_]*'" "$TB_DIR/n$i.log" | tail -n 1 | cut -d"'" -f2) || true
      if [[ -z $key ]] || ! grep -q "^$key = " "$cfg"; then
        cat "$work/start.err" >&2
        return 1
      fi
      note "this donode does not know '$key': the nodes run without it"
      dropped+=${dropped:+,}$key
      sed -i "/^$key = /d" "$cfg"
    done
  done
}

# Row: scenario, origin bytes / size, makespan, makespan / ideal, identical (or why broken).
add_row() {
  local name=$1 obytes=$2 span=$3 same=$4
  rows+=("$(awk -v n="$name" -v o="$obytes" -v s="$size" -v m="$span" -v i="$ideal" -v c="$same" \
    'BEGIN {printf "%-22s %16.3f %11.2f %22.3f   %s", n, o / s, m, m / i, c}')")
}
broken_row() {
  rows+=("$(printf '%-22s %16s %11s %22s   BROKEN: %s' "$1" - - - "$2")")
  broken=1
}

# Waits for the jobs in PIDS (one per node); true when all succeeded.
wait_all() {
  local ok=0 pid
  for pid in "$@"; do wait "$pid" || ok=1; done
  return "$ok"
}

identical_count() {
  local dir_fmt=$1 i same=0
  for ((i = 1; i <= nodes; i++)); do
    # shellcheck disable=SC2059
    cmp -s "$work/www/file" "$(printf "$dir_fmt" "$i")" && same=$((same + 1))
  done
  echo "$same"
}

# Sums the job's FIELD (.stats) over every node's `doadmin --json transfer --info`; empty when absent.
sum_field() {
  local field=$1
  cat "$TB_DIR"/n*/transfer.json 2>/dev/null |
    jq -s --arg f "$field" '[.[] | .stats[$f]? | numbers] | if length == 0 then empty else add end' \
      2>/dev/null || true
}

# A fresh testbed for each scenario, under its own tag so that TB_KEEP=1 keeps each one apart.
up() {
  scenario_no=$((scenario_no + 1))
  tb_up "$nodes" --rate-mbit "$rate" --origin-root "$work/www" --tag "fb$$$scenario_no" && own_traps
}

run_donode() {
  local name=$1 mode=$2 cfg=$work/cfg/mode$2.conf i t0 pids=() ends span same http lan
  write_config "$mode" "$cfg"
  dropped=''
  up || { broken_row "$name" "tb_up failed"; down; return; }
  start_nodes "$cfg" || { broken_row "$name" "a node did not start"; down; return; }
  t0=$(now)
  for ((i = 1; i <= nodes; i++)); do
    (
      rc=0
      timeout "$timeout_s" ip netns exec "$(tb_ns_node "$i")" "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" \
        --json transfer --info "http://$TB_ORIGIN_IP/file" "$TB_DIR/n$i/file" >"$TB_DIR/n$i/transfer.json" \
        2>"$TB_DIR/n$i/transfer.err" || rc=$?
      now >"$TB_DIR/n$i/end"
      exit "$rc"
    ) &
    pids+=($!)
  done
  if ! wait_all "${pids[@]}"; then
    for ((i = 1; i <= nodes; i++)); do
      [[ -s $TB_DIR/n$i/transfer.err ]] && echo "node $i: $(tail -n 3 "$TB_DIR/n$i/transfer.err")" >&2
    done
    broken_row "$name" "a transfer failed or timed out (${timeout_s}s)"
    down
    return
  fi
  ends=$(cat "$TB_DIR"/n*/end | max_of)
  span=$(awk -v a="$t0" -v b="$ends" 'BEGIN {printf "%.3f", b - a}')
  for ((i = 1; i <= nodes; i++)); do tb_stop_node "$i" || note "$name: node $i exited with status $?"; done
  same=$(identical_count "$TB_DIR/n%d/file")
  http=$(sum_field bytes_from_http) lan=$(sum_field bytes_from_lan_peers)
  [[ -z $http && -z $lan ]] ||
    sources+=("$(printf '%-22s http %s B, lan %s B' "$name" "${http:-?}" "${lan:-?}")")
  if ((same == nodes)); then
    add_row "$name" "$(tb_origin_bytes log)" "$span" "yes${dropped:+ (config keys ignored: $dropped)}"
  else
    broken_row "$name" "$((nodes - same)) of $nodes files differ"
  fi
  down
}

# aria2c: BitTorrent with the origin as web seed (url-list), peers found by LPD; seeding goes on
# (so late nodes have peers) until every node holds the whole file.
run_aria2c() {
  local name=aria2c i t0 pids=() span same k done_n hook=$work/aria2-done.sh
  if [[ -z $torrent ]]; then
    rows+=("$(printf '%-22s %16s %11s %22s   SKIPPED: no torrent (doadmin publish)' "$name" - - -)")
    return
  fi
  printf '#!/bin/sh\n# aria2 hook: GID FILES PATH\ndate +%%s.%%N >"$3.done"\n' >"$hook"
  chmod +x "$hook"
  up || { broken_row "$name" "tb_up failed"; down; return; }
  t0=$(now)
  for ((i = 1; i <= nodes; i++)); do
    mkdir -p "$TB_DIR/n$i/aria"
    ip netns exec "$(tb_ns_node "$i")" aria2c --no-conf=true --enable-dht=false --enable-dht6=false \
      --bt-enable-lpd=true --enable-peer-exchange=true --seed-time=1440 --seed-ratio=0.0 \
      --file-allocation=none --allow-overwrite=true --auto-file-renaming=false --summary-interval=0 \
      --console-log-level=warn --log="$TB_DIR/n$i/aria2.log" --log-level=notice \
      --stop-with-process=$$ --on-bt-download-complete="$hook" --dir="$TB_DIR/n$i/aria" \
      --torrent-file="$torrent" </dev/null >"$TB_DIR/n$i/aria2.out" 2>&1 &
    pids+=($!)
  done
  for ((k = 0; ; k++)); do
    done_n=$(find "$TB_DIR" -path '*/aria/file.done' | wc -l)
    ((done_n == nodes)) && break
    for ((i = 1; i <= nodes; i++)); do
      tb__alive "${pids[i - 1]}" || [[ -e $TB_DIR/n$i/aria/file.done ]] ||
        { broken_row "$name" "aria2c on node $i exited: $(tail -n 2 "$TB_DIR/n$i/aria2.out")"; down; return; }
    done
    ((k < timeout_s * 10)) || { broken_row "$name" "timed out (${timeout_s}s), $done_n of $nodes done"; down; return; }
    sleep 0.1
  done
  span=$(awk -v a="$t0" -v b="$(cat "$TB_DIR"/n*/aria/file.done | max_of)" 'BEGIN {printf "%.3f", b - a}')
  # SIGTERM lets aria2c flush its disk cache before the files are compared.
  for i in "${pids[@]}"; do kill -TERM "$i" 2>/dev/null || true; done
  for i in "${pids[@]}"; do tb__wait_gone "$i" 30 || true; done
  same=$(identical_count "$TB_DIR/n%d/aria/file")
  if ((same == nodes)); then
    add_row "$name" "$(tb_origin_bytes log)" "$span" "yes"
  else
    broken_row "$name" "$((nodes - same)) of $nodes files differ"
  fi
  down
}

make_content
echo "bench_fleet: $nodes nodes, ${size_mib} MiB, origin ${rate} Mbit/s (size / rate = ${ideal} s)," \
  "donode $DONODE_BIN, timeout ${timeout_s}s" >&2
IFS=, read -r -a list <<<"$scenarios"
for s in "${list[@]}"; do
  echo "bench_fleet: [$(date +%T)] scenario $s" >&2
  case $s in
    mode1) run_donode "donode mode 1 (LAN)" 1 ;;
    mode0) run_donode "donode mode 0 (HTTP)" 0 ;;
    aria2c) run_aria2c ;;
    *) note "unknown scenario '$s' (mode1, mode0, aria2c)" && broken=1 ;;
  esac
done

echo
echo "fleet: $nodes nodes, ${size_mib} MiB content, origin capped at ${rate} Mbit/s (size / rate = ${ideal} s)"
printf '%-22s %16s %11s %22s   %s\n' "scenario" "origin B / size" "makespan s" "makespan / (size/rate)" \
  "all files identical"
printf '%-22s %16s %11s %22s\n' "  (target, mode 1)" "<= 1.05" "" "<= 1.15"
printf '%s\n' "${rows[@]}"
if ((${#sources[@]})); then
  echo "bytes by source, summed over nodes (doadmin --json transfer --info):"
  printf '  %s\n' "${sources[@]}"
fi
((${#notes[@]} == 0)) || printf 'note: %s\n' "${notes[@]}" | awk '!seen[$0]++'
exit "$broken"
