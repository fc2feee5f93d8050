#!/usr/bin/env bash
# Spine benchmark: a download through donode's job API against `curl -o` of the same file from the
# same loopback nginx, in one run, inside a private network namespace. Prints a table and JSON.
# Usage: tools/bench/bench_spine.sh [SIZE_MIB=1024] [RUNS=3]   (after building into build/)
set -euo pipefail
if [[ "${1:-}" != "--inside" ]]; then
  exec unshare -n -- "$0" --inside "$@"
fi
shift
size_mib=${1:-1024}
runs=${2:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DONODE_BUILD:-$top/build}
. "$top/scripts/lib/loopback.sh"
begin_scratch bench
work=$WORK
mkdir -p "$work/www" "$work/out"
head -c "$((size_mib << 20))" /dev/urandom >"$work/www/file.bin"
port=18080
start_nginx "$work/nginx" "$work/www" "$port"
url="http://127.0.0.1:$port/file.bin"

start_donode "$bin/node/donode"
export DONODE_SOCKET=$work/donode.sock

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
curl_times=() api_times=()
for i in $(seq "$runs"); do
  t=$( { /usr/bin/time -f %e curl -s -o "$work/out/curl.bin" "$url"; } 2>&1 )
  curl_times+=("$t")
  rm -f "$work/out/curl.bin"
  json=$("$bin/tools/bench/bench_api" "$url" "$work/out/api.bin" --progress-calls 20000 --create-calls 200)
  cmp -s "$work/www/file.bin" "$work/out/api.bin" || { echo "bench: downloaded file differs" >&2; exit 1; }
  rm -f "$work/out/api.bin"
  api_times+=("$(sed -E 's/.*"download_s":([0-9.]+).*/\1/' <<<"$json")")
  last_json=$json
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$NODE_PID/status")
curl_med=$(printf '%s\n' "${curl_times[@]}" | median)
api_med=$(printf '%s\n' "${api_times[@]}" | median)
ratio=$(awk -v a="$api_med" -v c="$curl_med" 'BEGIN {printf "%.3f", a / c}')
get() { sed -E "s/.*\"$1\":([0-9.]+).*/\\1/" <<<"$last_json"; }
printf '%-44s %12s %12s\n' "figure (${size_mib} MiB, median of $runs)" "donode" "reference"
printf '%-44s %12s %12s\n' "download wall time, s (create..Complete)" "$api_med" "$curl_med (curl -o)"
printf '%-44s %12s %12s\n' "ratio donode / curl (target <= 1.10)" "$ratio" ""
printf '%-44s %12s %12s\n' "  of which Complete (copy to destination), s" "$(get complete_s)" ""
printf '%-44s %12s %12s\n' "GetProgress round trip p50 / p99, us" "$(get progress_p50_us) / $(get progress_p99_us)" "(p99 <= 200)"
printf '%-44s %12s %12s\n' "CreateJob+AddFile+Resume p50 / p99, ms" "$(get create_add_resume_p50_ms) / $(get create_add_resume_p99_ms)" "(<= 5)"
printf '%-44s %12s %12s\n' "node peak RSS, MB (VmHWM)" "$((rss_kb / 1024))" "(<= 64)"
printf '{"size_mib":%s,"runs":%s,"donode_s":%s,"curl_s":%s,"ratio":%s,"node_peak_rss_kb":%s,"api":%s}\n' \
  "$size_mib" "$runs" "$api_med" "$curl_med" "$ratio" "$rss_kb" "$last_json"
