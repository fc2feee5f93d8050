#!/usr/bin/env bash
# The Debian packages on this machine: cpack builds them, dpkg installs them, the node runs as the
# unit runs it (systemctl when systemd is PID 1, else the unit's ExecStart as the donode user with
# the unit's capabilities), serves doadmin and a download from a loopback test origin, clients
# build against donode-dev (pkg-config, find_package), and dpkg --purge leaves nothing behind.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR TEST_ORIGIN_BIN. 77 (skipped): not root, no dpkg, or a
# donode already installed here. Runs itself in a private network namespace (unshare -n).
set -euo pipefail
build=$1 src=$2 test_origin=$3
[[ $(id -u) -eq 0 ]] || { echo "not root: skipped"; exit 77; }
command -v dpkg >/dev/null && command -v cpack >/dev/null || { echo "no dpkg/cpack: skipped"; exit 77; }
if [[ -z "${DONODE_DEB_TEST_NETNS:-}" ]]; then
  exec unshare -n env DONODE_DEB_TEST_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' \
    "$0" "$@"
fi
if dpkg -s donode >/dev/null 2>&1 || getent passwd donode >/dev/null || [[ -e /run/donode ]]; then
  echo "a donode is already installed on this machine: skipped"; exit 77
fi
unset DONODE_SOCKET
packages=(donode donode-dev libdonode-comapi0)
work=$(mktemp -d)
chmod 0755 "$work"
installed=0
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  [[ -n "${origin_pid:-}" ]] && kill "$origin_pid" 2>/dev/null || true
  if [[ -n "${node_pid:-}" ]]; then kill "$node_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [[ $installed -eq 1 ]]; then dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Build and install.
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack"; }
debs=("$work"/debs/*.deb)
[[ ${#debs[@]} -eq 3 ]] || fail "expected 3 .debs, got: ${debs[*]}"
for d in "${debs[@]}"; do dpkg-deb --info "$d" | grep -E "^ (Package|Depends):"; done
installed=1
dpkg -i "${debs[@]}" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }

# Files, user, conffile.
for f in /usr/bin/donode /usr/bin/doadmin /lib/systemd/system/donode.service \
  /etc/donode/donode.conf /usr/include/donode/deliveryoptimization.h; do
  [[ -e $f ]] || fail "not installed: $f"
done
dpkg -L libdonode-comapi0 | grep -q 'libdonode-comapi\.so\.0$' || fail "no libdonode-comapi.so.0"
dpkg -L donode-dev | grep -q 'libdonode-comapi\.so$' || fail "no libdonode-comapi.so in -dev"
dpkg -L donode-dev | grep -q 'donode-comapi\.pc$' || fail "no .pc in -dev"
dpkg -L donode-dev | grep -q 'cmake/donode/donodeConfig\.cmake$' || fail "no CMake package"
! dpkg -L donode | grep -q 'libdonode-comapi' || fail "the library is in the donode package"
uid=$(id -u donode)
[[ $uid -lt 1000 ]] || fail "donode is not a system user (uid $uid)"
[[ $(getent passwd donode | cut -d: -f7) == */nologin ]] || fail "donode has a login shell"
dpkg-query -W -f='${Conffiles}\n' donode | grep -q '/etc/donode/donode.conf' ||
  fail "donode.conf is not a conffile"
cmp /etc/donode/donode.conf "$src/packaging/donode.conf" || fail "the conffile differs"
[[ $(stat -c %U:%G /etc/donode/donode.conf) == root:donode ]] || fail "conffile owner"
[[ $(stat -c %U:%a /var/lib/donode) == donode:700 ]] || fail "state directory"

# The node, as the unit runs it.
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/donode.service)
if [[ $(ps -p 1 -o comm=) == systemd ]]; then
  systemctl start donode.service
else
  caps=$(sed -n 's/^AmbientCapabilities=//p' /lib/systemd/system/donode.service |
    tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
  install -d -o donode -g donode -m 0755 /run/donode  # RuntimeDirectory=
  install -d -o donode -g donode -m 0750 /var/cache/donode  # CacheDirectory=
  # shellcheck disable=SC2086
  setpriv --reuid=donode --regid=donode --init-groups --inh-caps="$caps" --ambient-caps="$caps" \
    --bounding-set=-all,"$caps" --no-new-privs -- $exec_start >"$work/node.log" 2>&1 &
  node_pid=$!
fi
for _ in $(seq 200); do [[ -S /run/donode/donode.sock ]] && break; sleep 0.05; done
[[ -S /run/donode/donode.sock ]] || { cat "$work/node.log" || true; fail "no socket"; }
[[ $(stat -c %U:%a /run/donode/donode.sock) == donode:666 ]] || fail "socket owner/mode"
[[ -z "${node_pid:-}" || $(ps -o user= -p "$node_pid") == donode ]] || fail "node not run as donode"
doadmin status >/dev/null || fail "doadmin status"
setpriv --reuid=65534 --regid=65534 --clear-groups doadmin status >/dev/null ||
  fail "doadmin status as another user"
doadmin config show download_mode | grep -q "download_mode = 1" || fail "config show"
doadmin config set max_cache_age_s 100 --persist >/dev/null || fail "config set --persist"
grep -q '^max_cache_age_s = 100$' /etc/donode/donode.conf || fail "not persisted"

# A tiny job from a loopback test origin, with doadmin and with clients built against donode-dev.
mkdir -p "$work/www" "$work/out"
head -c 2000000 /dev/urandom >"$work/www/f.bin"
"$test_origin" --root "$work/www" --port 0 --port-file "$work/port" >/dev/null 2>&1 &
origin_pid=$!
for _ in $(seq 200); do [[ -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")/f.bin"
doadmin transfer "$url" "$work/out/d.bin" >/dev/null || fail "doadmin transfer"
cmp "$work/www/f.bin" "$work/out/d.bin"
g++ -std=c++20 -Wall -Werror "$src/tests/install/windows_way.cpp" -o "$work/ww" \
  $(pkg-config --cflags --libs donode-comapi) || fail "pkg-config build"
mkdir -p "$work/cm"
cp "$src/tests/install/windows_way.cpp" "$work/cm/"
cp "$src/tests/install/CMakeLists.txt.in" "$work/cm/CMakeLists.txt"
cmake -S "$work/cm" -B "$work/cm/build" >/dev/null && cmake --build "$work/cm/build" >/dev/null ||
  fail "find_package build"
"$work/ww" "$url" "$work/out/a.bin" && cmp "$work/www/f.bin" "$work/out/a.bin"
"$work/cm/build/windows_way_cmake" "$url" "$work/out/b.bin" && cmp "$work/www/f.bin" "$work/out/b.bin"
[[ -n "$(ls -A /var/cache/donode)" || -n "$(ls -A /var/lib/donode)" ]] || fail "no state written"

# Purge: nothing left.
if [[ -n "${node_pid:-}" ]]; then kill "$node_pid"; wait "$node_pid" || true; node_pid=; fi
dpkg --purge "${packages[@]}" >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
installed=0
for p in "${packages[@]}"; do
  ! dpkg -s "$p" >/dev/null 2>&1 || fail "$p still installed"
done
for f in /usr/bin/donode /usr/bin/doadmin /lib/systemd/system/donode.service /etc/donode \
  /var/lib/donode /var/cache/donode /run/donode /usr/include/donode; do
  [[ ! -e $f ]] || fail "left behind: $f"
done
! getent passwd donode >/dev/null || fail "user donode left behind"
! getent group donode >/dev/null || fail "group donode left behind"
echo "deb test: installed, ran as donode, downloaded, purged cleanly"
