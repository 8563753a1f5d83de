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
  zlib1g-dev
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
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOUNTERPOINT_MPI=ON -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
# build TARGET...: fails with the compiler's messages if the build does
build() {
  if ! cmake --build build -j "$jobs" --target "$@" >build/setup-build.log 2>&1; then
    grep -vE '^\[ *[0-9]+%\]|^make|Consolidate|^-- ' build/setup-build.log >&2
    echo "counterpoint setup: the build failed (above; build/setup-build.log)" >&2
    exit 1
  fi
}
# the command first (what the main job's first result needs), then the Python package;
# `setup.sh command` stops after the command (scripts/run.sh builds the package after its
# first result). The tests and benchmarks are scripts/test.sh's.
build counterpoint_cli
$sudo cmake --install build --component command >/dev/null
[ "${1:-}" = command ] && exit 0
build counterpoint_python
$sudo cmake --install build --component python >/dev/null
