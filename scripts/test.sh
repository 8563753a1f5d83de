#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the GoogleTest suite in
# Release, the Python tests and notebooks, then the GoogleTest suite once more under
# AddressSanitizer + UndefinedBehaviorSanitizer, then fuzzes every loader for
# FUZZ_SECONDS each (default 10 here; scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
# each phase reports its wall time (bash's SECONDS), so CI's budget can be watched
phase() { echo "== [${SECONDS} s] $*"; }

phase "packages, the command and the Python package (scripts/setup.sh)"
bash scripts/setup.sh
phase "test-only packages: chromium (the report's browser test, python/tests/test_report.py)"
# not in scripts/setup.sh: the main job writes reports without a browser
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
fi
phase "the test suite and benchmarks (Release)"
if ! cmake --build build -j "$jobs" >build/test-build.log 2>&1; then
  grep -vE '^\[ *[0-9]+%\]|^make|Consolidate|^-- ' build/test-build.log >&2
  echo "the test suite or a benchmark failed to build (above; build/test-build.log)" >&2
  exit 1
fi

phase "formatting (clang-format, .clang-format)"
bash scripts/check_format.sh

phase "unit and end-to-end tests (Release)"
ctest --test-dir build --output-on-failure -j "$jobs"

phase "Python API (pytest) and notebooks (nbclient), with /usr/bin/python3"
(cd / && /usr/bin/python3 -c "import counterpoint" && command -v counterpoint >/dev/null) ||
  { echo "the installed package or command is missing (scripts/setup.sh installs them)" >&2; exit 1; }
PYDEVD_DISABLE_FILE_VALIDATION=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider python/tests

phase "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 with line tables: half the compile time of -O2 -g (this phase's build dominates CI's
# time), and the sanitizers' reports still name lines
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1 -DNDEBUG" -DCOUNTERPOINT_SANITIZE=ON \
  -DCOUNTERPOINT_BUILD_BENCH=OFF -DCOUNTERPOINT_BUILD_PYTHON=OFF -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build-asan -j "$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^make|^-- ' || true
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# besides the `slow` label, three tests that repeat one path many times (every index form,
# every checkpoint boundary, SIGKILL at random moments) run in Release only: the sanitizers
# see the same code in their smaller siblings, and CI's budget is 45 minutes
ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow \
  -E "IndexFactoryTest.EveryAcceptedFormBuildsAndFindsAnItemItself|CheckpointTest.StopAndResumeAtAnyBoundaryEqualsAnUninterruptedRun|InterruptTest.SigkillNeverLeavesADirectoryThatLooksComplete"

phase "fuzzing"
# 10 s a target here (scripts/fuzz.sh alone: 60; the kept corpora replay in every Release
# run, FuzzRegression), to keep the whole suite within 45 of CI's 90 minutes
FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash scripts/fuzz.sh
phase "all tests passed"
