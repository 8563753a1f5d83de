"""Cost of a Python-defined intervention against the equivalent C++ one (bench/RESULTS.md).

Three arms of ranking_team_ab.yaml at 100k users on the same world: the engagement ranker
alone, with the C++ demote_harmful, and with a numpy demote_harmful registered from
Python (one call per batch). Each intervention's cost is its arm's step time minus the
plain arm's; the target is python_cost <= 2 x cpp_cost. Steps are timed interleaved
(arm by arm within each step) and the median over steps is reported. Run:

    /usr/bin/python3 bench/bench_python_intervention.py [--users 100000] [--steps 8]
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import counterpoint as cp

ROOT = Path(__file__).resolve().parents[1]


@cp.register_intervention("py_demote_harmful_bench")
class PyDemoteHarmful(cp.Intervention):
    """demote_harmful in numpy: a per-item penalty table built once, then one gather and
    one subtraction per batch (index -1, an empty slot, reads the table's trailing 0)."""

    columns = ["dh_demoted_share", "dh_demoted_harmful_share", "dh_demoted_news_share"]

    def __init__(self, threshold=0.5, weight=1.0):
        self.threshold, self.weight = threshold, weight

    def init(self, ctx):
        a = ctx["catalog_arrays"]
        h = a["harm_score"].astype(np.float64)
        # the C++ arithmetic: double penalty, rounded to float32 (demote_harmful.h)
        pen = np.where(h > self.threshold, self.weight * (h - self.threshold) / (1 - self.threshold), 0.0)
        self.penalty = np.append(pen.astype(np.float32), np.float32(0))
        labels = a["labels"]
        code = np.where(pen > 0, np.where((labels == 1) | (labels == 2), 2, np.where(labels == 4, 3, 1)), 0)
        self.code = np.append(code.astype(np.int8), np.int8(-1))  # -1: empty slot

    def begin_step(self, ctx):
        self.counts = np.zeros(5, dtype=np.int64)

    def on_scores(self, ctx, batch):
        ids = batch.cand_ids
        batch.cand_score[:] -= self.penalty.take(ids)
        self.counts += np.bincount(self.code.take(ids).ravel() + 1, minlength=5)

    def write_metrics(self, ctx):
        empty, none, other, harmful, news = self.counts
        cand, dem = none + other + harmful + news, other + harmful + news
        nan = float("nan")
        return [dem / cand if cand else nan, harmful / dem if dem else nan, news / dem if dem else nan]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        cp.set_threads(args.threads)
    # ranking_team_ab's world; its demote_harmful arm with the C++ or the Python intervention
    over = {"population.n_users": args.users, "steps": args.steps, "replicates": 1}
    path = ROOT / "scenarios" / "ranking_team_ab.yaml"
    sc = cp.load_scenario(path, overrides=over, arms=["engagement", "demote_harmful"])
    sc_py = sc.with_overrides({"arms.demote_harmful.interventions.0.type": "py_demote_harmful_bench"})
    sims = {"plain": cp.Simulation(sc, arm="engagement"), "cpp": cp.Simulation(sc, arm="demote_harmful"),
            "python": cp.Simulation(sc_py, arm="demote_harmful")}
    times = {arm: [] for arm in sims}
    for t in range(args.steps):
        for arm, sim in sims.items():
            t0 = time.perf_counter()
            sim.step()
            times[arm].append(time.perf_counter() - t0)
    # the same results, bit for bit
    same = sims["cpp"].metrics.equals(sims["python"].metrics)
    med = {arm: statistics.median(v) for arm, v in times.items()}
    cpp_cost, py_cost = med["cpp"] - med["plain"], med["python"] - med["plain"]
    load = os.getloadavg()
    print(f"users {args.users}, steps {args.steps}, threads {cp._core.max_threads()}, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for arm in sims:
        print(f"  {arm:7s} median step {med[arm] * 1e3:8.1f} ms   (min {min(times[arm]) * 1e3:.1f}, "
              f"max {max(times[arm]) * 1e3:.1f})")
    print(f"  C++ demote_harmful:    {cpp_cost * 1e3:7.1f} ms/step ({cpp_cost / med['cpp']:.1%} of its arm's step)")
    print(f"  Python demote_harmful: {py_cost * 1e3:7.1f} ms/step ({py_cost / med['python']:.1%} of its arm's step)")
    ratio = py_cost / cpp_cost if cpp_cost > 0 else float("inf")
    print(f"  Python / C++ cost: {ratio:.2f} (target <= 2); metrics identical: {same}")
    lo = {arm: min(v) for arm, v in times.items()}
    print(f"  with the fastest step of each arm instead: C++ {(lo['cpp'] - lo['plain']) * 1e3:.1f} ms, "
          f"Python {(lo['python'] - lo['plain']) * 1e3:.1f} ms")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
