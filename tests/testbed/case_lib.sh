# tests/testbed/case_lib.sh: what the testbed case scripts (swarm_test.sh, hostile_test.sh) share:
# the root and tools check, failure and step messages, node configs, content to publish.
# Source it with TB_TEST (message prefix) set; NODE_DEFAULTS (key=value...) go into every config.
# shellcheck shell=bash
if [[ $(id -u) -ne 0 ]]; then
  echo "$TB_TEST: needs root (network namespaces); skipped"
  exit 77
fi
for t in nginx ip jq cmp; do
  command -v "$t" >/dev/null || { echo "$TB_TEST: '$t' is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
# shellcheck source=../../tools/testbed/testbed.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools/testbed/testbed.sh"

start=$SECONDS
fail() {
  echo "$TB_TEST: FAILED [$case]: $*" >&2
  [[ -n ${TB_DIR:-} ]] && for f in "$TB_DIR"/n*.log; do echo "--- $f" >&2; tail -n 25 "$f" >&2; done
  exit 1
}
step() { echo "$TB_TEST: [$((SECONDS - start))s] [$case] $*"; }

# A node config: small files are cached (tests use MiBs, not GBs), then NODE_DEFAULTS, then the
# given keys.
node_config() {  # FILE [key=value...]
  local file=$1 kv
  shift
  {
    echo "min_file_size_to_cache = 0"
    echo "log_level = ${NODE_LOG_LEVEL:-info}"
    for kv in "${NODE_DEFAULTS[@]}" "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
  } >"$file"
}
start_nodes() {  # FIRST LAST [key=value...]
  local first=$1 last=$2 i
  shift 2
  for ((i = first; i <= last; i++)); do
    node_config "$TB_DIR/n$i.conf" "$@"
    tb_start_node "$i" --config "$TB_DIR/n$i.conf"
  done
}
# Random content of SIZE_MIB as the origin's `file`, published (sidecar) under URL_BASE.
make_content() {  # SIZE_MIB [URL_BASE]
  head -c $(($1 << 20)) /dev/urandom >"$TB_WWW/file"
  "$DOADMIN_BIN" publish "$TB_WWW/file" --url "${2:-http://$TB_ORIGIN_IP/}" >/dev/null
}
