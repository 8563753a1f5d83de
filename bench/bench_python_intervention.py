"""Cost of a Python-defined intervention against the equivalent C++ one (bench/RESULTS.md).

ranking_team_ab.yaml's demote_harmful arm at 100k users, three times on the same world:
with the C++ demote_harmful, with a numpy demote_harmful registered from Python (one call
per batch), and with none. In each, two marker interventions before and after it record
the time of their OnScores calls, so the interval is the intervention's own cost in that
batch (the empty arm measures the markers' overhead, subtracted). A step-time difference
between arms would drown in the noise of a shared machine; this does not. The target:
the Python one's share of step time <= 2 x the C++ one's. Run:

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
    one subtraction per batch (index -1, an empty slot, reads the table's trailing 0), and
    a per-item count of the batch's candidates whose ground truth write_metrics measures."""

    columns = ["dh_demoted_share", "dh_demoted_harmful_share", "dh_demoted_news_share"]

    def __init__(self, threshold=0.5, weight=1.0):
        self.threshold, self.weight = threshold, weight

    def init(self, ctx):
        a = ctx["catalog_arrays"]
        h = a["harm_score"].astype(np.float64)
        # the C++ arithmetic: double penalty, rounded to float32 (demote_harmful.h)
        pen = np.where(h > self.threshold, self.weight * (h - self.threshold) / (1 - self.threshold), 0.0)
        self.penalty = np.append(pen.astype(np.float32), np.float32(0))
        self.demoted = pen > 0

    def begin_step(self, ctx):
        # candidates per item this step ([0]: empty slots), measured in write_metrics
        self.counts = np.zeros(len(self.demoted) + 1, dtype=np.int64)

    def on_scores(self, ctx, batch):
        ids = batch.cand_ids
        batch.cand_score[:] -= self.penalty.take(ids)
        self.counts += np.bincount(ids.ravel() + 1, minlength=len(self.counts))

    def write_metrics(self, ctx):
        # the collateral, measured on the ground truth (given in write_metrics only)
        labels = ctx.truth["labels"]
        per_item = self.counts[1:]
        cand, dem = per_item.sum(), per_item[self.demoted].sum()
        harmful = per_item[self.demoted & ((labels == 1) | (labels == 2))].sum()
        news = per_item[self.demoted & (labels == 4)].sum()
        nan = float("nan")
        return [dem / cand if cand else nan, harmful / dem if dem else nan, news / dem if dem else nan]


_MARKS = []  # (perf_counter at the start marker, at the end marker) per batch


@cp.register_intervention("bench_marker")
class Marker(cp.Intervention):
    """Records the time of its on_scores call: placed before and after an intervention in
    the same arm, the interval is that intervention's OnScores time in this batch."""

    def __init__(self, end=False):
        self.end = end

    def on_scores(self, ctx, batch):
        if self.end:
            _MARKS[-1][1] = time.perf_counter()
        else:
            _MARKS.append([time.perf_counter(), None])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        cp.set_threads(args.threads)
    # ranking_team_ab's world and its demote_harmful arm; the intervention (C++, Python or
    # none) sits between two markers
    over = {"population.n_users": args.users, "steps": args.steps, "replicates": 1}
    sc = cp.load_scenario(ROOT / "scenarios" / "ranking_team_ab.yaml", overrides=over, arms=["demote_harmful"])
    demote = {"type": "demote_harmful", "threshold": 0.5, "weight": 1.0}
    def arm(middle):
        ivs = [{"type": "bench_marker"}] + middle + [{"type": "bench_marker", "end": True}]
        return sc.with_overrides({"arms.demote_harmful.interventions": ivs})
    sims = {"none": cp.Simulation(arm([])), "cpp": cp.Simulation(arm([demote])),
            "python": cp.Simulation(arm([{**demote, "type": "py_demote_harmful_bench"}]))}
    step_s = {a: [] for a in sims}
    hook_s = {a: [] for a in sims}
    for t in range(args.steps):
        for a, sim in sims.items():
            _MARKS.clear()
            t0 = time.perf_counter()
            sim.step()
            step_s[a].append(time.perf_counter() - t0)
            hook_s[a].append(sum(e - b for b, e in _MARKS))
    same = sims["cpp"].metrics.equals(sims["python"].metrics)
    med = {a: statistics.median(v) for a, v in hook_s.items()}
    cost = {a: med[a] - med["none"] for a in ("cpp", "python")}
    share = {a: cost[a] / statistics.median(step_s[a]) for a in cost}
    load = os.getloadavg()
    print(f"users {args.users}, steps {args.steps}, threads {cp._core.max_threads()}, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for a in sims:
        print(f"  {a:7s} step {statistics.median(step_s[a]):7.2f} s (median); between the markers "
              f"{med[a] * 1e3:7.1f} ms/step (per step: {', '.join(f'{x * 1e3:.1f}' for x in hook_s[a])})")
    for a in cost:
        print(f"  {a:7s} demote_harmful: {cost[a] * 1e3:6.1f} ms/step = {share[a]:.2%} of its arm's step time")
    print(f"  Python / C++ share: {share['python'] / share['cpp']:.2f} (target <= 2); "
          f"metrics identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
