#!/usr/bin/env bash
# Installs the Debian 12 packages counterpoint needs (only those missing), builds the
# command and the Python package in Release into build/ (the tests and benchmarks are
# scripts/test.sh's) and installs them (cmake --install): libcounterpoint and the
# `counterpoint` command into /usr/local, the Python package `counterpoint` into
# /usr/bin/python3's site packages (clang, its sanitizer runtimes and libomp are for the
# fuzz build, scripts/fuzz.sh). The build has MPI (Open MPI; `mpirun -np N counterpoint run`,
# docs/cluster.md). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make git pkg-config clang-format
  libeigen3-dev libfaiss-dev libopenblas0-openmp libboost-graph-dev libyaml-cpp-dev
  librandom123-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev libsodium-dev libsqlite3-dev
  pybind11-dev python3-dev python3-numpy python3-pandas python3-matplotlib python3-pytest
  python3-nbclient python3-nbformat python3-ipykernel python3-tqdm
  clang libclang-rt-14-dev libomp-dev
  libopenmpi-dev openmpi-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "counterpoint setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOUNTERPOINT_MPI=ON -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
# what the main job needs first (the command and the Python package); the tests and
# benchmarks are built by scripts/test.sh (COUNTERPOINT_SETUP_ALL=1 builds everything here)
targets=(--target counterpoint_cli counterpoint_python)
[ "${COUNTERPOINT_SETUP_ALL:-0}" = 1 ] && targets=()
cmake --build build -j "$jobs" "${targets[@]}" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^make|Consolidate|^-- ' >&2 || true
[ -x build/cli/counterpoint ] || { echo "counterpoint setup: build failed (see above)" >&2; exit 1; }
ls build/python/counterpoint/_core*.so >/dev/null 2>&1 || { echo "counterpoint setup: Python module failed (see above)" >&2; exit 1; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo cmake --install build >/dev/null
