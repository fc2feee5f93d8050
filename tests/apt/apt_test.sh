#!/usr/bin/env bash
# The APT transport end to end: a local repository made with Debian's tools (dpkg-deb,
# dpkg-scanpackages, apt-ftparchive when installed), donode nodes, and apt-get with a private
# configuration whose only source is `deb [trusted=yes] donode+http://ORIGIN/repo ./`.
#   install: (inside `unshare -n`, the test origin on 127.0.0.1) apt-get update (InRelease 404 ->
#            Release), install donode-apt-hello through the node (the .deb by its published
#            sidecar, as _apt), checks the node's job and the origin's log, then apt-get purge.
#   corrupt: (inside `unshare -n`) the origin serves a corrupted .deb with a sidecar made from it,
#            so the node delivers it faithfully: apt reports a hash mismatch, nothing is installed.
#   lan:     (on the namespace testbed, nginx origin) node 1 downloads the .deb for apt; apt on
#            node 2 then gets it from node 1 over the LAN and installs it; then apt-get purge.
# Installs into this system's dpkg database (and purges): root only. Exits 77 (skipped) when not
# root or a tool is missing.
# Usage: apt_test.sh METHOD DONODE DOADMIN TEST_ORIGIN [install|corrupt|lan]  (APT_TEST_KEEP=1
# keeps the scratch dir with every log)
set -euo pipefail
usage="usage: apt_test.sh METHOD DONODE DOADMIN TEST_ORIGIN [install|corrupt|lan]"
method=$(realpath "${1:?$usage}") donode=$(realpath "${2:?$usage}")
doadmin=$(realpath "${3:?$usage}") test_origin=$(realpath "${4:?$usage}")
case=${5:-install}
top=$(cd "$(dirname "$0")/../.." && pwd)
pkg="donode-apt-hello"
say() { echo "apt.$case: $*"; }

if [[ $(id -u) -ne 0 ]]; then
  say "needs root (network namespaces, dpkg); skipped"
  exit 77
fi
tools=(apt-get dpkg dpkg-deb dpkg-scanpackages unshare ip jq gzip curl)
[[ $case == lan ]] && tools+=(nginx tc ss)
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null || { say "'$t' is missing (apt, dpkg-dev, jq, curl, iproute2, nginx); skipped"; exit 77; }
done
if [[ $case != lan && -z ${APT_TEST_IN_NS:-} ]]; then
  # shellcheck disable=SC2016  # $0 and $@ are the inner bash's
  exec unshare -n -- env APT_TEST_IN_NS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
if dpkg -s "$pkg" >/dev/null 2>&1; then
  say "FAILED: $pkg is already installed on this system (left by an earlier run?)" >&2
  exit 1
fi

# _apt (the sandbox user apt's methods run as) must reach the lists, the archives and the node's
# socket: the scratch dir is world-traversable.
tmp=$(mktemp -d /tmp/donode-apt.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  local rc=$?
  set +e  # clean everything, whatever fails on the way
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $case == lan ]]; then
    ((rc == 0)) || for f in "${TB_DIR:-/nonexistent}"/n*.log; do
      [[ -f $f ]] && { echo "--- $f (tail)" >&2; tail -n 20 "$f" >&2; }
    done
    tb_down
  fi
  if dpkg -s "$pkg" >/dev/null 2>&1; then dpkg --purge "$pkg" >/dev/null 2>&1 || true; fi
  if ((rc != 0)) && [[ -f $tmp/node.log ]]; then
    echo "--- node log (tail)" >&2
    tail -n 30 "$tmp/node.log" >&2
  fi
  if [[ -n ${APT_TEST_KEEP:-} ]]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() {
  say "FAILED: $*" >&2
  exit 1
}

# --- the package and the repository (Debian's tools) ---
make_package() {  # DIR
  local root=$1/$pkg
  mkdir -p "$root/DEBIAN" "$root/usr/share/$pkg"
  cat >"$root/DEBIAN/control" <<EOF
Package: $pkg
Version: 1.0
Architecture: all
Maintainer: donode tests <tests@donode.invalid>
Description: donode APT transport test package
 Installed and purged by tests/apt/apt_test.sh.
EOF
  echo "hello through donode" >"$root/usr/share/$pkg/hello.txt"
  # Some size, so that the .deb spans several pieces of its sidecar.
  head -c $((3 << 20)) /dev/urandom >"$root/usr/share/$pkg/payload.bin"
  dpkg-deb --root-owner-group -Zgzip --build "$root" "$1/${pkg}_1.0_all.deb" >/dev/null
}
make_repository() {  # REPO
  local repo=$1 f
  (cd "$repo" && dpkg-scanpackages --multiversion pool /dev/null >Packages 2>/dev/null)
  gzip -9kn "$repo/Packages"
  if command -v apt-ftparchive >/dev/null; then
    (cd "$repo" && apt-ftparchive release . >Release)
  else  # apt-utils missing: the same fields apt-ftparchive writes for a flat repository
    {
      echo "Date: $(date -Ru)"
      for sum in MD5Sum:md5sum SHA256:sha256sum; do
        echo "${sum%%:*}:"
        for f in Packages Packages.gz; do
          echo " $(${sum#*:} "$repo/$f" | cut -d' ' -f1) $(stat -c %s "$repo/$f") $f"
        done
      done
    } >"$repo/Release"
  fi
}
# The repository under WWW/repo, its .deb published (sidecar) for BASE.
publish_repository() {  # WWW BASE
  local repo=$1/repo
  mkdir -p "$repo/pool" "$tmp/build"
  make_package "$tmp/build"
  cp "$tmp/build/${pkg}_1.0_all.deb" "$repo/pool/"
  make_repository "$repo"
  deb=$repo/pool/${pkg}_1.0_all.deb
  deb_size=$(stat -c %s "$deb")
  if [[ $case == corrupt ]]; then
    # Same size, different bytes: only apt's own hash (from Packages) can tell.
    printf 'donode' | dd of="$deb" bs=1 seek=$((deb_size / 2)) conv=notrunc status=none
  fi
  "$doadmin" publish "$deb" --url "$2/pool/" >/dev/null || fail "doadmin publish"
  [[ -s $deb.torrent ]] || fail "no sidecar beside the .deb"
}

# --- apt, configured privately (DIR/apt.conf): nothing of the system's apt state is read or
# written, except dpkg's database when installing ---
setup_apt() {  # DIR SOCKET BASE
  local d=$1 m
  mkdir -p "$d/methods" "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/parts" \
    "$d/etc/prefs" "$d/log"
  for m in /usr/lib/apt/methods/*; do ln -s "$m" "$d/methods/"; done
  ln -s "$method" "$d/methods/donode"
  ln -s donode "$d/methods/donode+http"
  echo "deb [trusted=yes] donode+$3 ./" >"$d/etc/sources.list"
  : >"$d/etc/apt.conf"
  cat >"$d/apt.conf" <<EOF
Dir::Etc::main "$d/etc/apt.conf";
Dir::Etc::parts "$d/etc/parts";
Dir::Etc::sourcelist "$d/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::preferencesparts "$d/etc/prefs";
Dir::State::Lists "$d/lists";
Dir::State::extended_states "$d/extended_states";
Dir::Cache "$d/cache";
Dir::Cache::Archives "$d/cache/archives";
Dir::Bin::Methods "$d/methods";
Dir::Log "$d/log";
Acquire::donode::Socket "$2";
Acquire::Languages "none";
Acquire::Retries "0";
APT::Get::List-Cleanup "false";
Debug::pkgAcquire::Worker "true";
EOF
}
# apt-get with DIR's configuration, its whole output (and the method's messages) kept in DIR/LOG;
# NETNS_EXEC (an array, may be empty) runs it in a node's namespace.
apt() {  # DIR LOG ARGS...
  local d=$1 log=$2
  shift 2
  APT_CONFIG=$d/apt.conf DEBIAN_FRONTEND=noninteractive timeout 240 \
    "${netns_exec[@]}" apt-get "$@" >"$d/$log" 2>&1
}
apt_errors() { grep -avE '^ *(<-|->)' "$1" | tail -n 20; }
# The method's answers in apt's debug output, one a line: "201 URI Done | URI: ... | ...".
answers() {  # LOG
  grep -a '^ <- donode+http:' "$1" | sed 's/^ <- donode+http://; s/%0a/ | /g; s/%20/ /g' || true
}
# The node's job that answered CODE for the URI ending in SUFFIX.
job_of() {  # LOG CODE SUFFIX
  answers "$1" | grep -a "^$2 " | grep -aF "$3 |" | grep -aoE 'Donode-Job: \{[0-9A-F-]+\}' |
    tail -n 1 | grep -oE '\{[0-9A-F-]+\}' || true
}
# apt-get update through the node: InRelease is missing (404) and apt falls back to Release.
check_update() {  # DIR
  local d=$1
  apt "$d" update.log update || fail "apt-get update: $(apt_errors "$d/update.log")"
  if [[ -z $(job_of "$d/update.log" 400 /InRelease) ]] ||
    ! answers "$d/update.log" | grep -a '/InRelease |' | grep -aq 'FailReason: HttpError404'; then
    fail "InRelease was not answered with HttpError404"
  fi
  [[ -n $(job_of "$d/update.log" 201 /Release) ]] || fail "Release did not come through the node"
  ls "$d/lists/"*Packages >/dev/null 2>&1 || fail "apt-get update left no Packages list"
  ! grep -aq "Download is performed unsandboxed" "$d/update.log" || fail "apt ran the method as root"
  say "apt-get update through the node: InRelease 404 -> Release, Packages listed"
}
# The .deb's job: its node-side figures in DIR/sources.json, owned by _apt.
check_deb_job() {  # DIR LOG SOCKET NETNS_EXEC...
  local d=$1 log=$2 sock=$3 owner
  shift 3
  job=$(job_of "$d/$log" 201 "${pkg}_1.0_all.deb")
  [[ -n $job ]] || fail "no donode job answered for the .deb"
  "$@" "$doadmin" --socket "$sock" --json sources "$job" >"$d/sources.json" ||
    fail "doadmin sources $job: $(cat "$d/sources.json")"
  content=$(jq -r '.files[0].stats.content_id // ""' "$d/sources.json")
  [[ -n $content ]] || fail "the .deb went without its sidecar (no content id): $(cat "$d/sources.json")"
  # The method ran sandboxed, as apt's own methods do: the job is _apt's.
  owner=$("$@" "$doadmin" --socket "$sock" --json info "$job" | jq -r '.owner.sid // empty')
  [[ $owner == "S-1-22-1-$(id -u _apt)" ]] || fail "the job's owner is '$owner', not _apt"
  cmp -s "$d/cache/archives/${pkg}_1.0_all.deb" "$deb" || fail "the archive apt kept differs from the origin's"
}
stat_of() { jq -r ".files[0].stats.$2 // 0" "$1/sources.json"; }
check_installed() {
  [[ $(dpkg-query -W -f '${Status}' "$pkg") == "install ok installed" ]] || fail "$pkg is not installed"
  [[ $(cat "/usr/share/$pkg/hello.txt") == "hello through donode" ]] || fail "the package's file is wrong"
}
purge() {  # DIR
  apt "$1" purge.log purge -y "$pkg" || fail "apt-get purge: $(apt_errors "$1/purge.log")"
  ! dpkg -s "$pkg" >/dev/null 2>&1 || fail "$pkg is still installed after purge"
  [[ ! -e /usr/share/$pkg ]] || fail "purge left /usr/share/$pkg"
  say "purged; ok"
}
node_conf() {  # FILE
  printf 'min_file_size_to_cache = 0\npeer_grace_ms = %s\nlog_level = info\n' "${2:-200}" >"$1"
}

netns_exec=()
if [[ $case == lan ]]; then
  # shellcheck source=../../tools/testbed/testbed.sh
  export DONODE_BIN=$donode DOADMIN_BIN=$doadmin
  . "$top/tools/testbed/testbed.sh"
  tb_up 2 --rate-mbit 400 --no-trap || fail "testbed"
  chmod 755 "$TB_DIR"
  base=http://$TB_ORIGIN_IP/repo
  publish_repository "$TB_WWW" "$base"
  for i in 1 2; do
    node_conf "$TB_DIR/n$i.conf" 3000
    tb_start_node "$i" --config "$TB_DIR/n$i.conf" || fail "node $i"
    setup_apt "$tmp/n$i" "$(tb_node_socket "$i")" "$base"
  done
  # Node 1: apt fetches the .deb (download only) through node 1, which seeds it afterwards.
  netns_exec=(ip netns exec "$(tb_ns_node 1)")
  check_update "$tmp/n1"
  apt "$tmp/n1" download.log install -y --download-only "$pkg" ||
    fail "node 1: apt-get install -d: $(apt_errors "$tmp/n1/download.log")"
  check_deb_job "$tmp/n1" download.log "$(tb_node_socket 1)" "${netns_exec[@]}"
  say "node 1: .deb through the node ($(stat_of "$tmp/n1" bytes_from_http) bytes from the origin)"
  # Node 2: apt installs; the .deb comes from node 1 over the LAN.
  netns_exec=(ip netns exec "$(tb_ns_node 2)")
  check_update "$tmp/n2"
  apt "$tmp/n2" install.log install -y "$pkg" || fail "node 2: apt-get install: $(apt_errors "$tmp/n2/install.log")"
  check_installed
  check_deb_job "$tmp/n2" install.log "$(tb_node_socket 2)" "${netns_exec[@]}"
  lan=$(stat_of "$tmp/n2" bytes_from_lan_peers) http=$(stat_of "$tmp/n2" bytes_from_http)
  ((lan > 0)) || fail "node 2 took nothing from node 1 (http $http)"
  served=$(grep -c "GET /repo/pool/${pkg}_1.0_all.deb " "$TB_DIR/origin/access.log" || true)
  say "node 2: installed; .deb $lan bytes from the LAN peer, $http from the origin (origin served the .deb $served times)"
  purge "$tmp/n2"
  exit 0
fi

www=$tmp/www
"$test_origin" --root "$www" --port-file "$tmp/origin.port" >"$tmp/origin.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $tmp/origin.port ]] && break; sleep 0.05; done
[[ -s $tmp/origin.port ]] || fail "test_origin did not start: $(cat "$tmp/origin.log")"
port=$(cat "$tmp/origin.port")
base=http://127.0.0.1:$port/repo
publish_repository "$www" "$base"
origin_requests() {  # PATH
  curl -s "http://127.0.0.1:$port/__stats" | jq -r --arg p "$1" '.paths[$p].requests // 0'
}

sock=$tmp/node.sock
mkdir -p "$tmp/state" "$tmp/cache"
node_conf "$tmp/node.conf"
"$donode" --config "$tmp/node.conf" --socket "$sock" --state-dir "$tmp/state" \
  --cache-dir "$tmp/cache" </dev/null >"$tmp/node.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [[ -S $sock ]] && break; sleep 0.05; done
[[ -S $sock ]] || fail "donode did not start: $(tail -n 20 "$tmp/node.log")"

setup_apt "$tmp/apt" "$sock" "$base"
check_update "$tmp/apt"
(($(origin_requests /repo/Release) >= 1)) || fail "the origin never served Release"

if [[ $case == install ]]; then
  apt "$tmp/apt" install.log install -y "$pkg" || fail "apt-get install: $(apt_errors "$tmp/apt/install.log")"
  check_installed
  check_deb_job "$tmp/apt" install.log "$sock"
  http=$(stat_of "$tmp/apt" bytes_from_http)
  ((http == deb_size)) || fail "node took $http bytes from the origin for a $deb_size-byte .deb"
  (($(origin_requests "/repo/pool/${pkg}_1.0_all.deb.torrent") >= 1)) || fail "the node never asked for the sidecar"
  say "installed through the node: job $job (_apt's), content $content, $http bytes from the origin"
  purge "$tmp/apt"
else
  if apt "$tmp/apt" install.log install -y "$pkg"; then fail "apt-get installed a corrupted .deb"; fi
  grep -aqiE "hash sum mismatch|hashes of expected file" "$tmp/apt/install.log" ||
    fail "apt did not report a hash mismatch: $(apt_errors "$tmp/apt/install.log")"
  ! dpkg -s "$pkg" >/dev/null 2>&1 || fail "$pkg got installed"
  job=$(job_of "$tmp/apt/install.log" 201 "${pkg}_1.0_all.deb")
  [[ -n $job ]] || fail "no donode job answered for the .deb"
  say "corrupted .deb delivered by the node (job $job) and refused by apt: hash mismatch; ok"
fi
