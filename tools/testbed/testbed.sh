#!/usr/bin/env bash
# Testbed: a LAN of network namespaces (a bridge, an nginx origin, N donode nodes) for the
# integration tests and the fleet benchmark. Source it for the tb_* functions, or run it as a CLI.
# The library is safe under set -euo pipefail; every tb_* function returns non-zero on failure.
#
# Usage (CLI, as root):  testbed.sh up N [--rate-mbit R] [--origin-root DIR] [--tag TAG] [--no-nodes]
#                        testbed.sh down TAG | down --stale
#                        testbed.sh list
#                        testbed.sh exec NODE CMD...       NODE: 1..N, o (origin) or br (bridge)
#                        testbed.sh start|stop|kill I [DONODE ARGS...]
#                        testbed.sh doadmin I ARGS...
#                        testbed.sh origin-bytes [log|link|tc]
#   exec/start/stop/kill/doadmin/origin-bytes act on $TB_TAG, or on the only testbed running.
#
# Layout: namespace <tag>-br holds bridge br0; <tag>-o (origin, PREFIX.1) and <tag>-n1..nN (nodes,
# PREFIX.(10+i)) each have an eth0 whose veth peer <tag>o / <tag>nI sits on br0, in <tag>-br. Every
# link lives inside the testbed's own namespaces: no default route, nothing reaches the host
# network, and deleting the namespaces deletes every link. Nodes get 224.0.0.0/4 via eth0 so that
# multicast (LSD) can leave a namespace that has no default route.
#
# Environment: TB_PREFIX (first three octets, default 10.77.0), TB_ROOT (where scratch dirs go,
# default /var/tmp), TB_KEEP=1 (keep the scratch dir), DONODE_BIN, DOADMIN_BIN (default: the
# repository's build/ tree, or TB_BUILD_DIR).
# Library globals after tb_up: TB_TAG TB_DIR TB_N TB_PREFIX TB_WWW TB_ORIGIN_IP TB_NODE_PID[i].

TB_PREFIX=${TB_PREFIX:-10.77.0}
TB_ROOT=${TB_ROOT:-/var/tmp}
TB_SRC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB_BUILD_DIR=${TB_BUILD_DIR:-$TB_SRC_TOP/build}
DONODE_BIN=${DONODE_BIN:-$TB_BUILD_DIR/node/donode}
DOADMIN_BIN=${DOADMIN_BIN:-$TB_BUILD_DIR/tools/doadmin/doadmin}
declare -ga TB_NODE_PID=()

tb__die() {
  echo "testbed: $*" >&2
  return 1
}

# Names and addresses. A tag is short so that "<tag>n<I>" fits in 15 characters (IFNAMSIZ - 1).
tb_ns_bridge() { echo "${TB_TAG}-br"; }
tb_ns_origin() { echo "${TB_TAG}-o"; }
tb_ns_node() { echo "${TB_TAG}-n$1"; }
tb_node_ip() { echo "${TB_PREFIX}.$((10 + $1))"; }
tb_node_socket() { echo "$TB_DIR/n$1.sock"; }
tb_scratch_of() { echo "$TB_ROOT/donode-tb-$1"; }

# Usage: tb_ns NODE  (1..N, o|origin, br|bridge) -> namespace name
tb_ns() {
  case $1 in
    o | origin) tb_ns_origin ;;
    br | bridge) tb_ns_bridge ;;
    *[!0-9]* | '') tb__die "no such node '$1' (1..$TB_N, o or br)" ;;
    *)
      (($1 >= 1 && $1 <= TB_N)) || tb__die "no such node '$1' (1..$TB_N, o or br)" || return
      tb_ns_node "$1"
      ;;
  esac
}

# Usage: tb_exec NODE CMD...  runs CMD inside the namespace of NODE (1..N, o or br)
tb_exec() {
  local ns
  ns=$(tb_ns "$1") || return
  shift
  ip netns exec "$ns" "$@"
}

tb__check_tools() {
  local t
  for t in ip tc nginx ss; do
    command -v "$t" >/dev/null || tb__die "'$t' is missing (scripts/install-deps.sh installs it)" || return
  done
  [[ $(id -u) -eq 0 ]] || tb__die "needs root (network namespaces)"
}

tb__new_tag() {
  local tag=dt$$
  while ip netns list | grep -q "^${tag}-"; do tag=dt$$$((RANDOM % 100)); done
  echo "$tag"
}

# Joins namespace NS to the bridge: eth0 inside NS, its peer PEER on br0, address ADDR/24.
tb__join() {
  local ns=$1 peer=$2 addr=$3 br
  br=$(tb_ns_bridge)
  ip netns add "$ns" || return
  ip -n "$ns" link set lo up &&
    ip -n "$br" link add "$peer" type veth peer name eth0 netns "$ns" &&
    ip -n "$br" link set "$peer" master br0 up &&
    ip -n "$ns" addr add "$addr/24" dev eth0 &&
    ip -n "$ns" link set eth0 up
}

# Usage: tb_up N [--rate-mbit R] [--origin-root DIR] [--tag TAG] [--no-trap]
# Builds the LAN and starts the origin; installs tb_down as the EXIT/INT/TERM trap (unless
# --no-trap, which the CLI uses to leave the testbed running).
tb_up() {
  local n=${1:-} rate='' root='' tag='' trap_it=1
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 200)) || tb__die "tb_up: N must be 1..200, got '$n'" || return
  shift
  while (($#)); do
    case $1 in
      --rate-mbit) rate=${2:-} && shift 2 ;;
      --origin-root) root=${2:-} && shift 2 ;;
      --tag) tag=${2:-} && shift 2 ;;
      --no-trap) trap_it=0 && shift ;;
      *) tb__die "tb_up: unknown option '$1'" || return ;;
    esac
  done
  [[ -z $rate || $rate =~ ^[0-9]+$ ]] || tb__die "tb_up: --rate-mbit takes whole Mbit/s, got '$rate'" || return
  [[ $TB_PREFIX =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || tb__die "TB_PREFIX must be three octets, got '$TB_PREFIX'" || return
  tb__check_tools || return
  [[ -n $tag ]] || tag=$(tb__new_tag)
  [[ $tag =~ ^[a-z][a-z0-9]{0,9}$ ]] || tb__die "tag '$tag': 1-10 of [a-z0-9], starting with a letter" || return
  ! ip netns list | grep -q "^${tag}-" || tb__die "tag '$tag' is in use (testbed.sh down $tag)" || return
  TB_TAG=$tag TB_N=$n TB_ORIGIN_IP=$TB_PREFIX.1 TB_NODE_PID=()
  TB_DIR=$(tb_scratch_of "$tag")
  if ((trap_it)); then
    trap 'tb_down' EXIT
    trap 'tb_down; exit 130' INT
    trap 'tb_down; exit 143' TERM
  fi
  mkdir -p "$TB_DIR" || return
  TB_WWW=${root:-$TB_DIR/www}
  mkdir -p "$TB_WWW" || return
  tb__save_state "$trap_it" && tb__make_lan "$rate" && tb__start_origin
}

tb__save_state() {
  local owner=0
  (($1)) && owner=$$
  printf 'TB_TAG=%q\nTB_N=%q\nTB_PREFIX=%q\nTB_WWW=%q\nTB_OWNER=%q\n' \
    "$TB_TAG" "$TB_N" "$TB_PREFIX" "$TB_WWW" "$owner" >"$TB_DIR/testbed.env"
}

# Usage: tb_load TAG  (the CLI: picks up a testbed that another process made)
tb_load() {
  local env
  env="$(tb_scratch_of "$1")/testbed.env"
  [[ -f $env ]] || tb__die "no testbed '$1' ($env is missing)" || return
  # shellcheck disable=SC1090
  . "$env"
  TB_DIR=$(tb_scratch_of "$1") TB_ORIGIN_IP=$TB_PREFIX.1
}

tb__make_lan() {
  local rate=$1 br i
  br=$(tb_ns_bridge)
  ip netns add "$br" || return
  ip -n "$br" link set lo up &&
    ip -n "$br" link add br0 type bridge mcast_snooping 0 &&
    ip -n "$br" link set br0 up || return
  tb__join "$(tb_ns_origin)" "${TB_TAG}o" "$TB_ORIGIN_IP" || return
  for ((i = 1; i <= TB_N; i++)); do
    tb__join "$(tb_ns_node "$i")" "${TB_TAG}n$i" "$(tb_node_ip "$i")" &&
      ip -n "$(tb_ns_node "$i")" route add 224.0.0.0/4 dev eth0 || return
  done
  [[ -z $rate ]] || tb_set_rate "$rate"
}

# Usage: tb_set_rate R  caps the origin's egress toward the bridge at R Mbit/s (tc tbf); 0 = no cap
tb_set_rate() {
  local ns rate=$1 burst
  ns=$(tb_ns_origin)
  if [[ $rate == 0 ]]; then
    tc -n "$ns" qdisc del dev eth0 root 2>/dev/null || true
    return 0
  fi
  # 10 ms of traffic, at least one 64 KiB GSO segment, so the bucket does not split every send.
  burst=$((rate * 1250))
  ((burst >= 65536)) || burst=65536
  tc -n "$ns" qdisc replace dev eth0 root tbf rate "${rate}mbit" burst "$burst" latency 100ms
}

tb__nginx_conf() {
  local d=$1
  cat <<CONF
user root;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx-error.log warn;
events { worker_connections 4096; }
http {
  log_format tb '\$remote_addr [\$time_local] "\$request" \$status \$request_length \$bytes_sent';
  access_log $d/access.log tb;
  client_body_temp_path $d/tmp/body;
  proxy_temp_path $d/tmp/proxy;
  fastcgi_temp_path $d/tmp/fastcgi;
  uwsgi_temp_path $d/tmp/uwsgi;
  scgi_temp_path $d/tmp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  default_type application/octet-stream;
  server {
    listen 80;
    root $TB_WWW;
  }
}
CONF
}

# Starts nginx in the origin namespace; readiness is its listening socket, so no request is made
# and the access log counts only the testbed's own traffic.
tb__start_origin() {
  local d=$TB_DIR/origin ns pid i
  ns=$(tb_ns_origin)
  mkdir -p "$d/tmp" || return
  tb__nginx_conf "$d" >"$d/nginx.conf"
  ip netns exec "$ns" nginx -e "$d/nginx-error.log" -c "$d/nginx.conf" </dev/null >"$d/nginx.out" 2>&1 &
  pid=$!
  echo "$pid" >"$d/nginx.launch.pid"
  for ((i = 0; i < 200; i++)); do
    [[ -n $(ip netns exec "$ns" ss -Hltn 'sport = :80') ]] && return 0
    tb__alive "$pid" || break
    sleep 0.05
  done
  tb__die "nginx did not start: $(cat "$d/nginx-error.log" "$d/nginx.out" 2>/dev/null)"
}

# Usage: tb_origin_bytes [log|link|tc]  bytes the origin sent: log = sum of nginx's $bytes_sent
# (default), link = eth0 tx_bytes (all traffic, headers included), tc = the tbf qdisc's Sent count.
tb_origin_bytes() {
  local ns
  ns=$(tb_ns_origin)
  case ${1:-log} in
    log) awk '{s += $NF} END {printf "%d\n", s}' "$TB_DIR/origin/access.log" 2>/dev/null || echo 0 ;;
    link) ip netns exec "$ns" cat /sys/class/net/eth0/statistics/tx_bytes ;;
    tc) tc -s -n "$ns" qdisc show dev eth0 | awk '/Sent/ {print $2; exit}' ;;
    *) tb__die "tb_origin_bytes: log, link or tc" ;;
  esac
}

tb__alive() {
  local state
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# Usage: tb_start_node I [DONODE ARGS...]  starts donode in namespace nI and waits for its socket.
tb_start_node() {
  local i=$1 ns sock pid k
  ns=$(tb_ns "$i") && [[ $ns == "$(tb_ns_node "$i")" ]] || tb__die "tb_start_node: bad node '$i'" || return
  shift
  [[ -x $DONODE_BIN ]] || tb__die "no donode binary at '$DONODE_BIN' (set DONODE_BIN)" || return
  sock=$(tb_node_socket "$i")
  ! tb__alive "$(tb_node_pid "$i")" || tb__die "node $i is already running" || return
  rm -f "$sock"
  mkdir -p "$TB_DIR/n$i/state" "$TB_DIR/n$i/cache" || return
  # ip netns exec execs donode in place, so $! is donode's own pid.
  ip netns exec "$ns" "$DONODE_BIN" --socket "$sock" --state-dir "$TB_DIR/n$i/state" \
    --cache-dir "$TB_DIR/n$i/cache" --log-level info "$@" </dev/null >>"$TB_DIR/n$i.log" 2>&1 &
  pid=$!
  TB_NODE_PID[i]=$pid
  echo "$pid" >"$TB_DIR/n$i.pid"
  for ((k = 0; k < 400; k++)); do
    [[ -S $sock ]] && return 0
    tb__alive "$pid" || break
    sleep 0.05
  done
  tb__die "node $i did not start: $(tail -n 20 "$TB_DIR/n$i.log")"
}

# Usage: tb_node_pid I  (empty when never started)
tb_node_pid() {
  if [[ -n ${TB_NODE_PID[$1]:-} ]]; then
    echo "${TB_NODE_PID[$1]}"
  elif [[ -f $TB_DIR/n$1.pid ]]; then
    cat "$TB_DIR/n$1.pid"
  fi
}

# Waits up to SECONDS for PID to end; reaps it when it is our child. Returns its exit status when
# known, 0 when it was not our child, 124 when it is still running.
tb__wait_gone() {
  local pid=$1 secs=$2 k
  for ((k = 0; k < secs * 20; k++)); do
    tb__alive "$pid" || break
    sleep 0.05
  done
  tb__alive "$pid" && return 124
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  ((rc == 127)) && rc=0 # not our child (the CLI): its status is not ours to know
  return "$rc"
}

# Usage: tb_stop_node I  SIGTERM, then waits (30 s) for the node to exit; returns its exit status.
tb_stop_node() {
  local pid
  pid=$(tb_node_pid "$1")
  [[ -n $pid ]] || tb__die "node $1 was never started" || return
  kill -TERM "$pid" 2>/dev/null || true
  tb__wait_gone "$pid" 30
}

# Usage: tb_kill_node I  SIGKILL (a crash), then reaps it.
tb_kill_node() {
  local pid
  pid=$(tb_node_pid "$1")
  [[ -n $pid ]] || tb__die "node $1 was never started" || return
  # Disowned first: a job killed by a signal would make bash print "Killed" when the shell ends.
  disown "$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  tb__wait_gone "$pid" 10 || true
}

# Usage: tb_doadmin I ARGS...  doadmin against node I's socket, inside its namespace.
tb_doadmin() {
  local i=$1 ns
  ns=$(tb_ns "$i") && [[ $ns == "$(tb_ns_node "$i")" ]] || tb__die "tb_doadmin: bad node '$i'" || return
  shift
  [[ -x $DOADMIN_BIN ]] || tb__die "no doadmin binary at '$DOADMIN_BIN' (set DOADMIN_BIN)" || return
  ip netns exec "$ns" "$DOADMIN_BIN" --socket "$(tb_node_socket "$i")" "$@"
}

# Namespaces of testbed TAG that exist now.
tb__namespaces_of() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-(br|o|n[0-9]+)$"
}

# Ends every process in NAMESPACES: SIGTERM, 5 s of grace, then SIGKILL.
tb__kill_all_in() {
  local ns pid pids=()
  for ns in "$@"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$pid"); done
  done
  ((${#pids[@]})) || return 0
  kill -TERM "${pids[@]}" 2>/dev/null
  for pid in "${pids[@]}"; do
    tb__wait_gone "$pid" 5 || { disown "$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null && tb__wait_gone "$pid" 5; }
  done
  return 0
}

# Usage: tb_down [TAG]  (default: this shell's testbed). Ends every process in the testbed's
# namespaces, deletes the namespaces (which deletes their links) and, unless TB_KEEP=1, the
# scratch dir. Safe to call twice, and on a half-built testbed.
tb_down() {
  local -
  set +e
  local tag=${1:-${TB_TAG:-}} nss link
  [[ -n $tag ]] || return 0
  [[ $tag =~ ^[a-z][a-z0-9]{0,9}$ ]] || tb__die "tb_down: bad tag '$tag'" || return
  mapfile -t nss < <(tb__namespaces_of "$tag")
  tb__kill_all_in "${nss[@]}"
  local ns
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
  # Links are made inside the testbed's namespaces; this only catches one left by a failed command.
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep -E "^${tag}(o|n[0-9]+)$"); do
    ip link del "$link" 2>/dev/null
  done
  if [[ ${TB_KEEP:-0} == 1 ]]; then
    echo "testbed: kept $(tb_scratch_of "$tag")" >&2
  else
    rm -rf "$(tb_scratch_of "$tag")"
  fi
  if [[ $tag == "${TB_TAG:-}" ]]; then
    TB_TAG='' TB_NODE_PID=()
    trap - EXIT INT TERM
  fi
  return 0
}

# The CLI --------------------------------------------------------------------------------------

tb__running_tags() {
  local env
  for env in "$TB_ROOT"/donode-tb-*/testbed.env; do
    # shellcheck disable=SC1090
    [[ -f $env ]] && (. "$env" && echo "$TB_TAG $TB_N $TB_OWNER")
  done
}

# Picks the testbed for exec/start/...: $TB_TAG, or the only one there is.
tb__cli_pick() {
  local tags
  if [[ -z ${TB_TAG:-} ]]; then
    mapfile -t tags < <(tb__running_tags | awk '{print $1}')
    ((${#tags[@]} == 1)) || tb__die "set TB_TAG: ${#tags[@]} testbeds found (testbed.sh list)" || return
    TB_TAG=${tags[0]}
  fi
  tb_load "$TB_TAG"
}

tb__cli_up() {
  local n=${1:-} nodes=1 args=() i
  for i in "${@:2}"; do [[ $i == --no-nodes ]] && nodes=0 || args+=("$i"); done
  tb_up "$n" "${args[@]}" --no-trap || { tb_down "${TB_TAG:-}"; return 1; }
  if ((nodes)); then
    for ((i = 1; i <= TB_N; i++)); do tb_start_node "$i" || { tb_down; return 1; }; done
  fi
  echo "testbed $TB_TAG up: origin $TB_ORIGIN_IP (root $TB_WWW), $TB_N nodes $(tb_node_ip 1)..$(tb_node_ip "$TB_N"), dir $TB_DIR"
  echo "  TB_TAG=$TB_TAG $0 exec 1 ip addr;  $0 down $TB_TAG"
}

# Cleans testbeds whose owning test process is gone (a test killed by a timeout).
tb__cli_down_stale() {
  local tag n owner
  while read -r tag n owner; do
    if [[ $owner != 0 ]] && ! tb__alive "$owner"; then
      echo "testbed: removing stale $tag ($n nodes, owner $owner gone)"
      tb_down "$tag"
    fi
  done < <(tb__running_tags)
}

tb_main() {
  set -uo pipefail
  local verb=${1:-help}
  (($#)) && shift
  case $verb in
    up) tb__cli_up "$@" ;;
    down)
      [[ ${1:-} == --stale ]] && { tb__cli_down_stale; return; }
      [[ -n ${1:-} ]] || tb__die "usage: testbed.sh down TAG | down --stale" || return
      tb_down "$1"
      ;;
    list) tb__running_tags | awk 'BEGIN {print "tag nodes owner_pid"} {print}' ;;
    exec) tb__cli_pick && tb_exec "$@" ;;
    start) tb__cli_pick && tb_start_node "$@" ;;
    stop) tb__cli_pick && tb_stop_node "$@" ;;
    kill) tb__cli_pick && tb_kill_node "$@" ;;
    doadmin) tb__cli_pick && tb_doadmin "$@" ;;
    origin-bytes) tb__cli_pick && tb_origin_bytes "$@" ;;
    help | -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" ;;
    *) tb__die "unknown verb '$verb' (testbed.sh help)" ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  tb_main "$@"
  exit
fi
