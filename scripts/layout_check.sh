#!/usr/bin/env bash
# Behaviour unchanged by a change of layout, shown: builds the command at REV (default
# HEAD~1) beside this checkout's build, runs every shipped scenario with both (runs with
# output.events and output.graph on, audits, rewirings, a sweep, an audit of a run's kNN
# graph and a rewiring of a run's induced graph) and compares every output file byte for
# byte, manifests aside (they hold the git revision and times) and the printed text's
# wall-clock times masked.
#   bash scripts/layout_check.sh [REV]     (about 30 minutes on 2 cores, most of it the runs)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD~1}
work=${LAYOUT_CHECK_DIR:-/tmp/counterpoint_layout_check}
jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$work" && mkdir -p "$work"
git worktree add --detach "$work/before_src" "$rev" >/dev/null
trap 'git worktree remove --force "$work/before_src" >/dev/null 2>&1 || true' EXIT
build() {  # build SRC BUILD_DIR
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DCOUNTERPOINT_BUILD_TESTS=OFF -DCOUNTERPOINT_BUILD_BENCH=OFF \
    -DCOUNTERPOINT_BUILD_PYTHON=OFF >/dev/null
  cmake --build "$2" -j "$jobs" --target counterpoint_cli >/dev/null
}
build "$work/before_src" "$work/before_build"
build . build-layout-check

# run_all CLI SRC OUT
run_all() {
  local cli=$1 src=$2 out=$3
  mkdir -p "$out"
  (
    cd "$src"
    for f in scenarios/*.yaml; do
      n=$(basename "$f" .yaml)
      if grep -q '^graph:' "$f"; then
        "$cli" audit "$f" --out "$out/$n.audit.json" >"$out/$n.audit.txt" 2>&1
        "$cli" rewire "$f" --out "$out/$n.rewire.json" >"$out/$n.rewire.txt" 2>&1
      else
        "$cli" run "$f" --set output.events=true --set output.graph=true --out "$out/$n" --threads "$jobs" \
          >"$out/$n.txt" 2>&1
      fi
    done
    "$cli" sweep scenarios/content_filtering.yaml --grid population.n_users=500,800 --set steps=6 \
      --out "$out/sweep" >"$out/sweep.txt" 2>&1
    "$cli" audit --knn scenarios/rabbit_hole.yaml --harmful borderline,extremist --out "$out/knn.audit.json" \
      >"$out/knn.audit.txt" 2>&1
    "$cli" rewire --nodes "$out/rabbit_hole/graph/engagement_nodes.csv" \
      --edges "$out/rabbit_hole/graph/engagement_edges.csv" --harmful borderline,extremist \
      --out "$out/induced.rewire.json" >"$out/induced.rewire.txt" 2>&1
  )
}
# both write to the same path (outputs and printed text name it), then move aside
run_all "$work/before_build/cli/counterpoint" "$work/before_src" "$work/out" && mv "$work/out" "$work/before"
run_all "$PWD/build-layout-check/cli/counterpoint" "$PWD" "$work/out" && mv "$work/out" "$work/after"

# every file but the manifests, byte for byte; the printed text with its wall-clock
# times ("(1.23 s)") masked
status=0
files=$( (cd "$work/before" && find . -type f) | grep -v 'manifest.json$' | sort)
mask() { sed -E 's/[0-9.e+-]+ s\)/T s)/g' "$1"; }
for f in $files; do
  case $f in
    *.txt) cmp -s <(mask "$work/before/$f") <(mask "$work/after/$f") || { echo "differs: $f"; status=1; } ;;
    *) cmp -s "$work/before/$f" "$work/after/$f" || { echo "differs: $f"; status=1; } ;;
  esac
done
n_after=$( (cd "$work/after" && find . -type f) | grep -vc 'manifest.json$')
[ "$n_after" -eq "$(echo "$files" | wc -l)" ] || { echo "the file lists differ"; status=1; }
echo "$(echo "$files" | wc -l) files compared against $rev: $([ $status = 0 ] && echo identical || echo DIFFERENT)"
exit $status
