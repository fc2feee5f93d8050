#!/usr/bin/env bash
# tools/fuzz/run.sh: builds the libFuzzer targets of tests/fuzz with Clang (ASan+UBSan) and fuzzes
# each for N CPU-seconds on a copy of its corpus, then merges new coverage back into the repo.
#
# usage: tools/fuzz/run.sh [--long] [--seconds N] [--max-wall S] [--target ipc|metadata]...
#                          [--no-build] [--no-merge]
#   default 30 CPU-seconds per target (CI); --long = 600; --max-wall stops a target after S wall
#   seconds even if it got less CPU (busy machine). Exit status 1 on any crash, timeout
#   (hang: one input > 10 s), leak or out-of-memory; the input is kept in build-fuzz/artifacts/.
# Needs clang and libclang-rt-14-dev (the libFuzzer runtime). The fuzzers open no sockets; they
# still run in a private network namespace (unshare -n), like every test of this repo.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DONODE_FUZZ_BUILD:-$top/build-fuzz}
seconds=30
max_wall=0         # 0: no wall-clock cap
targets=()
do_build=1
do_merge=1
max_len=4096       # small inputs keep the corpus small and the executions fast
max_corpus=300     # files per corpus in the repo: more is a warning to minimize

while [[ $# -gt 0 ]]; do
  case $1 in
    --long) seconds=600 ;;
    --seconds) seconds=$2; shift ;;
    --max-wall) max_wall=$2; shift ;;
    --target) targets+=("$2"); shift ;;
    --no-build) do_build=0 ;;
    --no-merge) do_merge=0 ;;
    -h|--help) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#targets[@]} -gt 0 ]] || targets=(ipc metadata)

# The network namespace: root gets a plain one, anyone else one inside a user namespace.
if [[ $(id -u) -eq 0 ]]; then netns=(unshare -n --); else netns=(unshare -rn --); fi

if [[ $do_build -eq 1 ]]; then
  if [[ ! -f $build/build.ninja ]]; then
    CC=clang CXX=clang++ cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DDONODE_FUZZ=ON -DDONODE_SANITIZE=ON -DDONODE_BUILD_TESTS=ON
  fi
  nice cmake --build "$build" -j1 --target "${targets[@]/#/fuzz_}"
fi

# CPU-seconds (user + system) of the last run, from the file /usr/bin/time wrote.
cpu_of() { tail -n 1 "$1" | awk '{ printf "%d", $1 + $2 + 0.5 }'; }

failed=0
for t in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/fuzz_$t
  corpus=$top/tests/fuzz/corpus/$t
  artifacts=$build/artifacts/$t
  work=$(mktemp -d "${TMPDIR:-/tmp}/donode-fuzz-$t.XXXXXX")
  mkdir -p "$artifacts"
  cp -r "$corpus/." "$work/"
  common=(-timeout=10 -rss_limit_mb=2048 -max_len=$max_len -dict="$top/tests/fuzz/$t.dict"
          -artifact_prefix="$artifacts/")
  # -max_total_time counts wall time; on a busy machine a run gets less CPU, so run again until
  # the target had its CPU-seconds (each run continues from the corpus the last one grew).
  cpu=0 execs=0 wall_start=$(date +%s) rc=0
  while [[ $cpu -lt $seconds ]]; do
    left=$((seconds - cpu))
    if [[ $max_wall -gt 0 ]]; then
      wall_left=$((max_wall - ($(date +%s) - wall_start)))
      [[ $wall_left -gt 0 ]] || break
      [[ $wall_left -ge $left ]] || left=$wall_left
    fi
    timing=$(mktemp)
    log=$build/fuzz_$t.log
    set +e
    /usr/bin/time -f '%U %S' -o "$timing" "${netns[@]}" nice -n 10 "$fuzzer" "${common[@]}" \
      -max_total_time=$left -print_final_stats=1 "$work" >"$log" 2>&1
    rc=$?
    set -e
    cpu=$((cpu + $(cpu_of "$timing")))
    rm -f "$timing"
    n=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log" | tail -n 1)
    execs=$((execs + ${n:-0}))
    if [[ $rc -ne 0 ]]; then
      echo "fuzz_$t: FAILED (exit $rc); the log is $log, inputs in $artifacts:" >&2
      grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
      failed=1
      break
    fi
  done
  wall=$(($(date +%s) - wall_start))
  if [[ $rc -eq 0 && $do_merge -eq 1 ]]; then
    # A minimal set by edge coverage (-use_counters=0) over the repo corpus and the new inputs;
    # the named seeds (files with an extension) stay whatever they add.
    before=$(find "$corpus" -type f | wc -l)
    fresh=$(mktemp -d "${TMPDIR:-/tmp}/donode-fuzz-$t-min.XXXXXX")
    find "$corpus" -type f -name '*.*' -exec cp {} "$fresh/" \;
    "${netns[@]}" nice -n 10 "$fuzzer" "${common[@]}" -merge=1 -use_counters=0 "$fresh" \
      "$corpus" "$work" >"$build/fuzz_${t}_merge.log" 2>&1
    find "$corpus" -type f ! -name '*.*' -delete
    cp "$fresh"/* "$corpus/"
    rm -rf "$fresh"
    after=$(find "$corpus" -type f | wc -l)
    echo "fuzz_$t: corpus $before -> $after files ($(du -sk "$corpus" | cut -f1) KiB)"
    [[ $after -le $max_corpus ]] || echo "fuzz_$t: warning: more than $max_corpus corpus files" >&2
  fi
  rate=$((cpu > 0 ? execs / cpu : 0))
  echo "fuzz_$t: $execs executions in $cpu CPU-s ($wall s wall), $rate exec/CPU-s, exit $rc"
  rm -rf "$work"
done
exit $failed
