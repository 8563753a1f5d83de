#!/usr/bin/env bash
# The main job: install what is missing, build, run the default scenario
# (scenarios/rabbit_hole.yaml), print the summary, write its report (one HTML page,
# results/rabbit_hole/report.html) and a plot.
# Extra arguments go to `counterpoint run` (e.g. --set replicates=5).
set -euo pipefail
cd "$(dirname "$0")/.."
# the packages and the command first: the first result does not wait for the Python package
bash scripts/setup.sh command
out=results/rabbit_hole
# the main job's own directory: each run replaces the last one's result
./build/cli/counterpoint run scenarios/rabbit_hole.yaml --out "$out" --overwrite --report "$@"
/usr/bin/python3 scripts/plot_metrics.py "$out"
echo "building and installing the Python package (import counterpoint; notebooks/)..." >&2
bash scripts/setup.sh
echo "Report: $PWD/$out/report.html (open it in a browser; it needs nothing else)"
