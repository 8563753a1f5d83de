#!/usr/bin/env bash
# Under mpirun with 1 to 4 ranks (oversubscribed beyond the cores), `counterpoint run`
# writes metrics.csv, summary.json and the event logs byte-identical to one process's,
# on scenarios whose interventions keep shared state (budgets, caps, moderation queues,
# uploads, the hash database), with users sharded over the ranks (redirect_method with
# budgets that run out within a step, ranking_team_ab, moderation_one_hour, hash_sharing)
# or replicated on demand, the induced graph (output.graph), and a sharded checkpoint
# stopped and resumed; a rank that fails ends the
# run with its message; a sweep shared out over ranks writes the same results table as one
# process; a world of platforms gives one process's files, uploads.csv included.
# Usage: mpi_identical_test.sh COUNTERPOINT_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { mpirun --oversubscribe -np "$1" "${@:2}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# runs a command with its output kept aside, shown only if it fails
quiet() {
  local rc=0
  "$@" >"$tmp/last.log" 2>&1 || rc=$?
  ((rc == 0)) || { cat "$tmp/last.log" >&2; fail "exit $rc: $*"; }
}

# small: several chunks per step (batch_size 61), blocks of unequal size, every kind of state
common=(--quiet --threads 1 --set population.n_users=500 batch_size=61 replicates=2 output.events=true
  index.factory=IVF16,Flat)
declare -A sets=(
  [redirect_method]="steps=6 catalog.n_items=2500"
  [ranking_team_ab]="steps=4 catalog.n_items=2500"
  [moderation_one_hour]="steps=8 catalog.n_items=2500"
  [hash_sharing]="steps=8"
)
# redirect_method's organisations with 9 impressions a step instead of 1500: at 500 users
# they run out within a step, so a rank injects from what the ranks before it left
mkdir "$tmp/scenarios"
for s in ranking_team_ab moderation_one_hour hash_sharing; do cp "$src/scenarios/$s.yaml" "$tmp/scenarios/"; done
sed 's/budget_per_step: 1500/budget_per_step: 9/' "$src/scenarios/redirect_method.yaml" >"$tmp/scenarios/redirect_method.yaml"
for s in redirect_method ranking_team_ab moderation_one_hour hash_sharing; do
  read -ra extra <<<"${sets[$s]}"
  quiet "$bin" run "$tmp/scenarios/$s.yaml" "${common[@]}" "${extra[@]}" --out "$tmp/$s-serial"
  for n in 1 2 3 4; do
    quiet mpi "$n" "$bin" run "$tmp/scenarios/$s.yaml" "${common[@]}" "${extra[@]}" --out "$tmp/$s-np$n"
    for f in metrics.csv summary.json metrics_summary.csv impressions.csv.gz moderation.csv.gz items.csv.gz users.csv.gz; do
      [ -f "$tmp/$s-serial/$f" ] || continue
      cmp -s "$tmp/$s-serial/$f" "$tmp/$s-np$n/$f" || fail "$s: $f differs between 1 process and $n ranks"
    done
    grep -q "\"mpi_ranks\": $( ((n > 1)) && echo "$n" || echo 1)" "$tmp/$s-np$n/manifest.json" ||
      fail "$s: manifest.json does not record $n ranks"
    # users sharded over the ranks
    ((n == 1)) || grep -q '"mpi_mode": "sharded"' "$tmp/$s-np$n/manifest.json" ||
      fail "$s: manifest.json does not record mpi_mode sharded for $n ranks"
  done
  echo "$s: identical for 1 process and 1-4 ranks"
done

# the replicated mode on demand gives the same bytes as the sharded one and one process
s=ranking_team_ab
read -ra extra <<<"${sets[$s]}"
quiet mpi 2 "$bin" run "$tmp/scenarios/$s.yaml" "${common[@]}" "${extra[@]}" --replicate-users --out "$tmp/$s-rep"
for f in metrics.csv summary.json metrics_summary.csv impressions.csv.gz; do
  cmp -s "$tmp/$s-serial/$f" "$tmp/$s-rep/$f" || fail "$s: $f differs with --replicate-users"
done
grep -q '"mpi_replicated_because": "--replicate-users"' "$tmp/$s-rep/manifest.json" ||
  fail "$s: manifest.json does not record --replicate-users"
echo "$s: --replicate-users identical too"

# the induced graph (output.graph), sharded over 3 ranks: the same nodes and edges files
graph=(--quiet --threads 1 --arms engagement --set population.n_users=500 steps=5 replicates=2 catalog.n_items=2000
  index.factory=IVF16,Flat output.graph=true)
quiet "$bin" run "$src/scenarios/rabbit_hole.yaml" "${graph[@]}" --out "$tmp/graph1"
quiet mpi 3 "$bin" run "$src/scenarios/rabbit_hole.yaml" "${graph[@]}" --out "$tmp/graph3"
grep -q '"mpi_mode": "sharded"' "$tmp/graph3/manifest.json" || fail "output.graph: not sharded"
for f in graph/engagement_nodes.csv graph/engagement_edges.csv metrics.csv; do
  [ -s "$tmp/graph1/$f" ] || fail "output.graph: $f missing"
  cmp -s "$tmp/graph1/$f" "$tmp/graph3/$f" || fail "output.graph: $f differs over 3 ranks"
done
echo "output.graph: identical over 3 sharded ranks"

# a sharded run stopped by SIGTERM on its ranks leaves a checkpoint whose parts are one file
# per rank; resumed under as many ranks it ends with one process's results, and refuses
# another number of ranks, naming the one to use
ck=(--quiet --threads 1 --set population.n_users=1000 steps=60 replicates=1 catalog.n_items=2500
  index.factory=IVF16,Flat output.events=true)
quiet "$bin" run "$tmp/scenarios/redirect_method.yaml" "${ck[@]}" --out "$tmp/ck1"
mpirun --oversubscribe -np 2 "$bin" run "$tmp/scenarios/redirect_method.yaml" "${ck[@]}" --checkpoint 1 \
  --out "$tmp/ck2" >"$tmp/ck2.log" 2>&1 &
launcher=$!
for _ in $(seq 1200); do [ -f "$tmp/ck2/checkpoint.bin" ] && break; sleep 0.05; done
pkill -TERM -P "$launcher" || true  # the ranks, mpirun's children
wait "$launcher" && fail "checkpoint: the run stopped by SIGTERM exited 0 (it ended before the signal?)"
grep -q '"status": "partial"' "$tmp/ck2/manifest.json" || { cat "$tmp/ck2.log" >&2; fail "checkpoint: not partial"; }
for r in 0 1; do
  n=$(find "$tmp/ck2" -name "checkpoint.bin.rank$r.*" | wc -l)
  ((n == 1)) || fail "checkpoint: $n part files of rank $r, not 1"
done
set +e
msg=$(mpi 3 "$bin" run --resume "$tmp/ck2" --quiet --threads 1 2>&1)
rc=$?
set -e
((rc == 2)) && grep -q "resume it with mpirun -np 2" <<<"$msg" || fail "checkpoint: 3 ranks not refused: $msg"
quiet mpi 2 "$bin" run --resume "$tmp/ck2" --quiet --threads 1
for f in metrics.csv summary.json metrics_summary.csv impressions.csv.gz; do
  cmp -s "$tmp/ck1/$f" "$tmp/ck2/$f" || fail "checkpoint: $f differs after a sharded stop and resume"
done
[ -z "$(find "$tmp/ck2" -name 'checkpoint.bin*')" ] || fail "checkpoint: files left after the resumed run completed"
echo "checkpoint: 2 sharded ranks stopped by SIGTERM and resumed give one process's results"

# a failure on one rank ends every rank, with that rank's message and a non-zero code
set +e
msg=$(mpi 2 "$bin" run "$src/scenarios/rabbit_hole.yaml" --quiet --set population.n_users=-5 --out "$tmp/bad" 2>&1)
rc=$?
set -e
((rc != 0)) || fail "a bad scenario under mpirun exited 0"
grep -q "\[rank [01]/2\] .*population.n_users: value -5 is out of range" <<<"$msg" ||
  fail "the rank's message is missing: $msg"

# a sweep over 3 ranks writes the same table as one process
grid=(--grid user_model.extremity_appeal=0,2,4 --set population.n_users=300 steps=4 replicates=2 catalog.n_items=2000
  index.factory=IVF16,Flat)
quiet "$bin" sweep "$src/scenarios/rabbit_hole.yaml" "${grid[@]}" --quiet --threads 1 --out "$tmp/sweep1"
quiet mpi 3 "$bin" sweep "$src/scenarios/rabbit_hole.yaml" "${grid[@]}" --quiet --threads 1 --out "$tmp/sweep3"
cmp -s "$tmp/sweep1/sweep_results.csv" "$tmp/sweep3/sweep_results.csv" || fail "sweep_results.csv differs over 3 ranks"
echo "sweep: identical over 3 ranks"

# a world of platforms (docs/crisis.md): every rank runs the whole world; rank 0's files are
# one process's, uploads.csv included
world=(--quiet --threads 1 --set steps=150 replicates=2 world.incident.uploads_per_minute=40)
quiet "$bin" run crisis_small_platforms "${world[@]}" --out "$tmp/world-serial"
for n in 2 3; do
  quiet mpi "$n" "$bin" run crisis_small_platforms "${world[@]}" --out "$tmp/world-np$n"
  for f in metrics.csv summary.json metrics_summary.csv uploads.csv.gz; do
    cmp -s "$tmp/world-serial/$f" "$tmp/world-np$n/$f" || fail "world: $f differs between 1 process and $n ranks"
  done
done
echo "world: identical for 1 process and 2-3 ranks"

# a world with a simulated audience (docs/crisis.md, "Audiences"): every rank steps it whole
quiet "$bin" run crisis_audience "${world[@]}" --arms engagement,demoted --out "$tmp/audience-serial"
quiet mpi 2 "$bin" run crisis_audience "${world[@]}" --arms engagement,demoted --out "$tmp/audience-np2"
for f in metrics.csv summary.json uploads.csv.gz; do
  cmp -s "$tmp/audience-serial/$f" "$tmp/audience-np2/$f" || fail "audience: $f differs between 1 process and 2 ranks"
done
echo "audience: identical for 1 process and 2 ranks"
