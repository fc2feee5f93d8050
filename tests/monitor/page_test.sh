#!/usr/bin/env bash
# The activity monitor's page in headless Chromium: a node downloads a file from the test origin,
# then Chromium loads http://127.0.0.1:7681/ (the default port); the screenshot goes to
# BUILD_DIR/artefacts/monitor.png and the rendered DOM must show the job, the source rows, a nonzero
# HTTP byte figure and the charts. Everything runs in a fresh network namespace: loopback only.
# Usage: page_test.sh BUILD_DIR DONODE DOADMIN TEST_ORIGIN   (root; exits 77 = skipped)
set -euo pipefail
build=${1:?usage: page_test.sh BUILD_DIR DONODE DOADMIN TEST_ORIGIN}
donode=${2:-$build/node/donode} doadmin=${3:-$build/tools/doadmin/doadmin}
test_origin=${4:-$build/tests/origin/support/test_origin}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
  echo "monitor.page: chromium is missing (Debian package chromium); skipped"
  exit 77
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "monitor.page: needs root (a private network namespace); skipped"
  exit 77
fi
if [[ ${MONITOR_PAGE_NETNS:-} != 1 ]]; then
  exec unshare -n -- env MONITOR_PAGE_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' \
    "$0" "$@"
fi
for t in jq curl; do
  command -v "$t" >/dev/null || { echo "monitor.page: '$t' is missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/donode-page-XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "monitor.page: FAILED: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -n 30 "$f" >&2; done
  exit 1
}
until_true() {  # SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

size=$((3 << 20))
name="Monitor page test"
port=7681
url=http://127.0.0.1:$port
mkdir -p "$work/www" "$work/out" "$work/home" "$build/artefacts"
head -c "$size" /dev/urandom >"$work/www/update.bin"
"$test_origin" --port 0 --root "$work/www" --port-file "$work/origin.port" >"$work/origin.log" 2>&1 &
pids+=($!)
until_true 10 test -s "$work/origin.port" || fail "the test origin did not start"
origin=http://127.0.0.1:$(cat "$work/origin.port")
"$doadmin" publish "$work/www/update.bin" --url "$origin/" >/dev/null || fail "doadmin publish"

# Small files go through the swarm like large ones, so their bytes are counted by source.
printf '%s\n' "min_file_size_to_cache = 0" "peer_grace_ms = 0" "listen_port = 0" >"$work/donode.conf"
"$donode" --socket "$work/node.sock" --state-dir "$work/state" --config "$work/donode.conf" \
  >"$work/node.log" 2>&1 &
pids+=($!)
until_true 20 test -S "$work/node.sock" || fail "donode did not start"
admin() { "$doadmin" --socket "$work/node.sock" --json "$@"; }
id=$(admin create "$name" | jq -r .id)
admin addfile "$id" "$origin/update.bin" "$work/out/update.bin" >/dev/null || fail "addfile"
admin resume "$id" >/dev/null || fail "resume"
transferred() { [[ $(admin info "$id" | jq -r .state) == TRANSFERRED ]]; }
until_true 120 transferred || fail "the job did not reach TRANSFERRED: $(admin info "$id")"
counted() {
  curl -sf "$url/metrics" | grep -qx "donode_download_bytes_total{source=\"http\"} $size"
}
until_true 30 counted || fail "/metrics does not count $size HTTP bytes: $(curl -s "$url/metrics")"
sleep 2  # two more samples: the rate chart has points

browse() {
  HOME=$work/home timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/profile-XXXXXX")" --window-size=1280,900 \
    --virtual-time-budget=5000 "$@" "$url/"
}
shot=$build/artefacts/monitor.png
rm -f "$shot"
browse --screenshot="$shot" >"$work/chromium-shot.log" 2>&1 || fail "chromium --screenshot"
[[ -s $shot && $(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
  fail "no PNG screenshot at $shot"
browse --dump-dom >"$work/dom.html" 2>"$work/chromium-dom.log" || fail "chromium --dump-dom"

dom=$build/artefacts/monitor-dom.html
cp "$work/dom.html" "$dom"
has() { grep -q -- "$1" "$dom" || fail "the page does not show $2"; }
has "$name" "the job name"
for row in dl-http dl-lan dl-group dl-internet dl-total ul-lan ul-group ul-internet; do
  has "<tr id=\"$row\"" "the row $row"
done
has "From the origin (HTTP)" "the origin row's label"
has "From PCs on your local network" "the LAN row's label"
cell=$(grep -oE '<td id="dl-http-start"[^>]*>[^<]*' "$dom" || true)
[[ $cell == *"data-bytes=\"$size\""* ]] || fail "the HTTP bytes since start are not $size: '$cell'"
[[ $cell == *">3.00 MiB" ]] || fail "the HTTP bytes since start do not read 3.00 MiB: '$cell'"
month=$(grep -oE '<td id="dl-http-month"[^>]*>' "$dom" || true)
[[ $month == *"data-bytes=\"$size\""* ]] || fail "the HTTP bytes this month are not $size: '$month'"
grep -qE '<svg[^>]*id="download-chart"' "$dom" || fail "no download chart"
grep -qE '<circle[^>]*data-key="http"' "$dom" || fail "the download chart has no HTTP arc"
grep -qE '<svg[^>]*id="rate-chart"' "$dom" || fail "no rate chart"
grep -q '<polyline' "$dom" || fail "the rate chart has no lines"
has ">TRANSFERRED<" "the job's state"
has ">100 %<" "the job's progress"
status=$(grep -oE '<span id="status"[^<]*' "$dom" || true)
[[ $status == *">updated "* ]] || fail "the page could not reach /api/stats: '$status'"
echo "monitor.page: ok; screenshot $shot ($(stat -c %s "$shot") bytes)"
