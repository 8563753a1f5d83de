#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang under AddressSanitizer +
# UndefinedBehaviorSanitizer into build-fuzz/, then fuzzes each for FUZZ_SECONDS
# (default 60), two at a time. Usage: scripts/fuzz.sh [TARGET...] (default: all).
# A crash, leak, timeout or memory blow-up fails the script and leaves the input in
# build-fuzz/artifacts/<target>/; fix it, then keep the input in
# tests/fuzz/regressions/<target>/ (replayed by tests/cpp/cli/fuzz_regression_test.cc).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
max_len=${FUZZ_MAX_LEN:-16384}
# a fixed seed: a run finds the same inputs in the same order (how far it gets depends on speed)
seed=${FUZZ_SEED:-1}
targets=("$@")
((${#targets[@]})) || targets=(scenario npy items_csv graph_csv policy index_factory)

echo "== fuzzing (libFuzzer, clang, ASan + UBSan): ${targets[*]}, ${seconds} s each"
# -O1 with line tables only: quicker to build than -O2 -g, and stack traces still name lines
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DCOUNTERPOINT_FUZZ=ON \
  -DCOUNTERPOINT_BUILD_TESTS=OFF -DCOUNTERPOINT_BUILD_BENCH=OFF -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
# a target that does not build is a failure of its own, reported before any fuzzing
if ! cmake --build build-fuzz -j 2 --target "${targets[@]/#/fuzz_}" >build-fuzz/build.log 2>&1; then
  grep -E 'error|Error' build-fuzz/build.log | head -20 >&2
  echo "fuzz targets did not build with clang (full log: build-fuzz/build.log)" >&2
  exit 1
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMP_NUM_THREADS=1
fuzz_one() {
  local t=$1
  # new inputs go to the working corpus (first directory); the seeds stay as committed
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" build-fuzz/logs
  "build-fuzz/tests/fuzz/fuzz_$t" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
    -max_len="$max_len" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 -seed="$seed" \
    -artifact_prefix="build-fuzz/artifacts/$t/" >"build-fuzz/logs/$t.log" 2>&1
}
# two targets at a time (two cores); each failure is reported with its log's tail
failed=()
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    fuzz_one "$t" &
    pids+=("$!:$t")
  done
  for p in "${pids[@]}"; do
    if wait "${p%%:*}"; then
      t=${p#*:}
      echo "  $t: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "build-fuzz/logs/$t.log" | grep -Eo '[0-9]+$') runs, no failure"
    else
      t=${p#*:}
      failed+=("$t")
      echo "  $t: FAILED (build-fuzz/logs/$t.log; input in build-fuzz/artifacts/$t/)" >&2
      grep -E 'ERROR|SUMMARY|uncaught|Test unit written|==[0-9]+==' "build-fuzz/logs/$t.log" | head -20 >&2 || true
    fi
  done
done
((${#failed[@]} == 0)) || { echo "fuzzing failed: ${failed[*]}" >&2; exit 1; }
