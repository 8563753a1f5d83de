#!/usr/bin/env bash
# The scale issue's benchmark matrix (bench/RESULTS.md, "Scale"): run on an idle machine
# after scripts/setup.sh. Each line of OUT (default bench/scale_matrix.jsonl) is one run's
# JSON; the log says what ran. Sections:
#   engine | content | mpi | mpi_budgets | mpi_weak (50k users per rank) | large (1M x 1M x 20 steps)
#   | million (Flat and HNSW32 over 1M items) | rest (Flat and HNSW32 at 1M users or 1M items, 1 step)
#   | target (ranking_team_ab's outside-search share, with the recall of each nprobe, and each
#     re-ranker's own cost per user from bench_interventions).
# Usage: bench/scale_matrix.sh [SECTION...]   (default: engine content mpi); needs /usr/bin/time
# (Debian package time) and the Release build with MPI (scripts/setup.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-bench/scale_matrix.jsonl}
sections=("$@")
((${#sections[@]})) || sections=(engine content mpi)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
engine() { # users items factory nprobe steps
  # (nprobe is ignored by Flat and HNSW, which take a valid 1)
  echo "== bench_engine --users $1 --items $2 --factory $3 --nprobe $4 --steps $5" >&2
  ./build/bench/bench_engine --users "$1" --items "$2" --factory "$3" --nprobe "$4" --steps "$5" --threads 2 |
    tail -1 >>"$out"
}
# peak RSS (kB) and wall seconds of a command, as JSON fields
timed() {
  /usr/bin/time -f '{"wall_s": %e, "peak_rss_kb": %M}' -o /tmp/scale_time.json "$@" >/dev/null 2>/tmp/scale_err.log ||
    { cat /tmp/scale_err.log >&2; return 1; }
  cat /tmp/scale_time.json
}
# one machine: 1, 2, 4 ranks x 1 thread (4 ranks oversubscribe the 2 cores), users sharded
# (the default) and replicated (--replicate-users), back to back.
# Usage: mpi_matrix LABEL SCENARIO ARM SETTING...
mpi_matrix() {
  local label=$1 scenario=$2 arm=$3
  shift 3
  for n in 1 2 4; do
    for mode in sharded replicated; do
      ((n == 1)) && [ "$mode" = replicated ] && continue
      flag=()
      [ "$mode" = replicated ] && flag=(--replicate-users)
      echo "== $label: mpirun -np $n ($mode), $scenario --arms $arm --set $*, 1 thread per rank" >&2
      t=$(timed mpirun --oversubscribe -np "$n" ./build/cli/counterpoint run "$scenario" --quiet --threads 1 \
        --out /tmp/mpi_bench --arms "$arm" --set "$@" "${flag[@]}") || continue
      python3 - "$label" "$n" "$t" >>"$out" <<'PY'
import json, sys
label, n, t = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
m = json.load(open("/tmp/mpi_bench/manifest.json"))
step = sum(x["step_seconds"] for x in m["timings"])
search = sum(x["faiss_search_seconds"] for x in m["timings"])
print(json.dumps({"bench": label, "ranks": n, "mpi_ranks_in_manifest": m["mpi_ranks"],
                  "mpi_mode": m.get("mpi_mode", "one process"), "step_seconds": step,
                  "rank0_search_seconds": search, "wall_s": t["wall_s"], "peak_rss_mb_rank0": t["peak_rss_kb"] / 1024}))
PY
    done
  done
}
for section in "${sections[@]}"; do
  case $section in
  engine)
    # users x items x index; steps so each run takes well under a minute to a few minutes
    for users in 10000 100000; do
      few=$((users > 10000 ? 1 : 3))  # HNSW and Flat are slow per query: fewer steps at 100k users
      engine "$users" 100000 IVF1024,Flat 8 5
      engine "$users" 100000 HNSW32 1 "$few"
      engine "$users" 100000 Flat 1 "$few"
      engine "$users" 1000000 IVF4096,Flat 8 3
    done
    engine 1000000 100000 IVF1024,Flat 8 3
    ;;
  rest)
    # the matrix's remaining cells: Flat and HNSW32 at 1M users, and at 1M items; one step
    # each (Flat scores every item per query: about 1.3e14 flops a step at 1M x 1M)
    engine 1000000 100000 Flat 1 1
    engine 1000000 100000 HNSW32 1 1
    engine 100000 1000000 Flat 1 1
    engine 100000 1000000 HNSW32 1 1
    engine 1000000 1000000 HNSW32 1 1
    engine 1000000 1000000 Flat 1 1
    ;;
  million)
    # Flat and HNSW over 1M items: exact scoring of a million items per query, and an
    # HNSW graph whose build dominates; 10k users, 2 steps
    engine 10000 1000000 Flat 1 2
    engine 10000 1000000 HNSW32 1 2
    ;;
  content)
    for size in "1000 1000" "10000 1000" "10000 10000"; do
      read -r u i <<<"$size"
      echo "== content_filtering $u users x $i items" >&2
      t=$(timed ./build/cli/counterpoint run scenarios/content_filtering.yaml --quiet --threads 2 \
        --out /tmp/cf_bench --set population.n_users="$u" catalog.n_items="$i") || continue
      python3 - "$u" "$i" "$t" >>"$out" <<'PY'
import json, sys
u, i, t = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
m = json.load(open("/tmp/cf_bench/manifest.json"))
step = sum(x["step_seconds"] for x in m["timings"])
search = sum(x["faiss_search_seconds"] for x in m["timings"])
print(json.dumps({"bench": "content_filtering", "users": u, "items": i, "steps": 15, "step_seconds": step,
                  "us_per_user_step": 1e6 * step / (u * 15), "faiss_share": search / step,
                  "wall_s": t["wall_s"], "peak_rss_mb": t["peak_rss_kb"] / 1024}))
PY
    done
    ;;
  mpi)
    # rabbit_hole's engagement arm at 100k x 100k, 3 steps
    mpi_matrix mpi scenarios/rabbit_hole.yaml engagement population.n_users=100000 catalog.n_items=100000 \
      catalog.dim=64 index.factory=IVF1024,Flat index.nprobe=8 replicates=1 steps=3
    ;;
  mpi_budgets)
    # redirect_method's inject_everyone at 100k users: each organisation's 1500 impressions a
    # step run out within the step, so sharded ranks hand the budgets on in rank order
    mpi_matrix mpi_budgets scenarios/redirect_method.yaml inject_everyone population.n_users=100000 replicates=1 \
      steps=5
    ;;
  mpi_weak)
    # weak scaling on one machine: 50,000 users per rank (1, 2 and, oversubscribed, 4 ranks),
    # sharded, rabbit_hole's engagement arm, 100k items, d = 64, 3 steps; ideal: the same step time
    for n in 1 2 4; do
      users=$((50000 * n))
      echo "== mpi_weak: mpirun -np $n, $users users, 1 thread per rank" >&2
      t=$(timed mpirun --oversubscribe -np "$n" ./build/cli/counterpoint run scenarios/rabbit_hole.yaml --quiet \
        --threads 1 --out /tmp/mpi_bench --arms engagement --set population.n_users=$users catalog.n_items=100000 \
        catalog.dim=64 index.factory=IVF1024,Flat index.nprobe=8 replicates=1 steps=3) || continue
      python3 - "$n" "$users" "$t" >>"$out" <<'PY'
import json, sys
n, users, t = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
m = json.load(open("/tmp/mpi_bench/manifest.json"))
step = sum(x["step_seconds"] for x in m["timings"])
search = sum(x["faiss_search_seconds"] for x in m["timings"])
print(json.dumps({"bench": "mpi_weak", "ranks": n, "users": users, "mpi_mode": m.get("mpi_mode", "one process"),
                  "step_seconds": step, "rank0_search_seconds": search, "wall_s": t["wall_s"],
                  "peak_rss_mb_rank0": t["peak_rss_kb"] / 1024}))
PY
    done
    ;;
  large)
    engine 1000000 1000000 IVF4096,Flat 8 20
    ;;
  target)
    # the outside-search target: ranking_team_ab at 100k x 100k, IVF1024; first the recall of
    # each nprobe against exact search, then every arm at nprobe 8 and 32
    big=(population.n_users=100000 catalog.n_items=100000 index.factory=IVF1024,Flat)
    echo "== bench_recall ranking_team_ab ${big[*]}" >&2
    ./build/bench/bench_recall scenarios/ranking_team_ab.yaml --set "${big[@]}" --values 4,8,16,32,64 --threads 2 |
      tail -1 >>"$out"
    # each re-ranker's own cost per user, 1 thread, warm and with caches evicted
    echo "== bench_interventions, 1 thread" >&2
    OMP_NUM_THREADS=1 ./build/bench/bench_interventions --benchmark_repetitions=5 --benchmark_min_time=0.2 \
      --benchmark_format=json 2>/dev/null | python3 -c '
import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    if b.get("run_type") == "iteration":
        print(json.dumps({"bench": "bench_interventions", "name": b["run_name"], "us_per_user": b["per_user"] * 1e6}))' >>"$out"
    for nprobe in 8 32; do
      echo "== ranking_team_ab ${big[*]} index.nprobe=$nprobe replicates=1 steps=10, 2 threads" >&2
      ./build/cli/counterpoint run scenarios/ranking_team_ab.yaml --quiet --threads 2 --out /tmp/rtab_bench \
        --set "${big[@]}" index.nprobe=$nprobe replicates=1 steps=10 >/dev/null || continue
      python3 - "$nprobe" >>"$out" <<'PY'
import json, sys
m = json.load(open("/tmp/rtab_bench/manifest.json"))
for x in m["timings"]:
    print(json.dumps({"bench": "ranking_team_ab", "nprobe": int(sys.argv[1]), "arm": x["arm"],
                      "step_seconds": x["step_seconds"], "faiss_search_seconds": x["faiss_search_seconds"],
                      "outside_share": 1 - x["faiss_search_seconds"] / x["step_seconds"]}))
PY
    done
    ;;
  esac
done
