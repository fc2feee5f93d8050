#!/usr/bin/env bash
# Installs the build into a scratch prefix, builds a Windows-style client against the installed
# tree (pkg-config, and CMake's find_package), and downloads a file with it through the installed
# donode from the test origin. Run by ctest (inside the test run's private network namespace).
# Usage: install_test.sh BUILD_DIR TEST_ORIGIN_BIN SOURCE_DIR
set -euo pipefail
build=$1 test_origin=$2 src=$3
work=$(mktemp -d)
cleanup() {
  [[ -n "${node_pid:-}" ]] && kill "$node_pid" 2>/dev/null || true
  [[ -n "${origin_pid:-}" ]] && kill "$origin_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/donode bin/doadmin include/donode/deliveryoptimization.h include/donode/bits.h; do
  [[ -e "$prefix/$f" ]] || { echo "not installed: $f" >&2; exit 1; }
done
pc=$(find "$prefix" -name donode-comapi.pc | head -1)
[[ -n "$pc" ]] || { echo "no donode-comapi.pc installed" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
ls "$libdir"/libdonode-comapi.so* >/dev/null

export PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
g++ -std=c++20 -Wall -Werror "$src/tests/install/windows_way.cpp" -o "$work/ww" \
  $(pkg-config --cflags --libs donode-comapi)
mkdir -p "$work/cm"
cp "$src/tests/install/windows_way.cpp" "$work/cm/"
cp "$src/tests/install/CMakeLists.txt.in" "$work/cm/CMakeLists.txt"
cmake -S "$work/cm" -B "$work/cm/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cm/build" >/dev/null

mkdir -p "$work/www" "$work/out"
head -c 5000000 /dev/urandom >"$work/www/f.bin"
"$test_origin" --root "$work/www" --port-file "$work/port" >/dev/null 2>&1 &
origin_pid=$!
"$prefix/bin/donode" --socket "$work/node.sock" --state-dir "$work/state" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 200); do [[ -S "$work/node.sock" && -s "$work/port" ]] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")/f.bin"
export DONODE_SOCKET=$work/node.sock LD_LIBRARY_PATH=$libdir
"$work/ww" "$url" "$work/out/a.bin"
"$work/cm/build/windows_way_cmake" "$url" "$work/out/b.bin"
cmp "$work/www/f.bin" "$work/out/a.bin"
cmp "$work/www/f.bin" "$work/out/b.bin"
echo "install test: pkg-config and find_package clients downloaded byte-identical files"
