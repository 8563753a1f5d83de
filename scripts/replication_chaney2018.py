#!/usr/bin/python3
"""The homogenization table in docs/replications.md (Chaney et al., RecSys 2018), from the shipped scenario.

Runs `counterpoint run scenarios/replicate_chaney2018.yaml` (as shipped: its replicates,
steps and arms) and writes, between <!-- replication-chaney:begin --> and
<!-- replication-chaney:end --> of docs/replications.md, with the commit it was made at: for
each arm, the change in the Jaccard index of paired users' consumed items relative to the
ideal (oracle) arm, per replicate on common random numbers (arm minus ideal), at an early
step and at the final step, for nearest-neighbour and random pairs, and the mean true utility
of consumed items relative to the ideal's (arm / ideal - 1), each as the mean over
replicates with its 95% Student-t interval; and the ideal arm's own values. Refuses a tree
with uncommitted changes. The command is printed.

Usage: /usr/bin/python3 scripts/replication_chaney2018.py [--threads 2]
(about a minute on 2 cores; the build must exist: bash scripts/setup.sh)."""
import io
import os

import pandas as pd

from docs_markers import ROOT, argument_parser, mean_ci, run_shipped, write_between

BEGIN, END = "<!-- replication-chaney:begin -->", "<!-- replication-chaney:end -->"
CONTROL = "ideal"
ARMS = ["collaborative", "collaborative_retrieval", "engagement", "shuffled", "ideal_again"]
EARLY = 5  # the step before cf_als first retrains (retrain_every 5: steps 5, 10, ...), 1-based


def fmt(triple, digits=4, signed=True):
    m, lo, hi = triple
    s = "+" if signed else ""
    return f"{m:{s}.{digits}f} [{lo:{s}.{digits}f}, {hi:{s}.{digits}f}]"


def main():
    ap = argument_parser(__doc__)
    args = ap.parse_args()
    who = "replication_chaney2018.py"
    commit, texts = run_shipped(who, os.path.join(ROOT, "scenarios", "replicate_chaney2018.yaml"), ["metrics.csv"],
                                args.threads)
    m = pd.read_csv(io.StringIO(texts["metrics.csv"]))
    last = int(m["step"].max())
    early = int(m["step"].min()) + EARLY - 1
    steps = sorted(m["step"].unique())
    n_rep = m["replicate"].nunique()

    def at(arm, step, column):
        rows = m[(m["arm"] == arm) & (m["step"] == step)].sort_values("replicate")
        return rows[column].to_numpy(dtype=float)

    def diff(arm, step, column):
        return at(arm, step, column) - at(CONTROL, step, column)

    def rel(arm, step, column):
        return at(arm, step, column) / at(CONTROL, step, column) - 1

    def step_no(s):
        return int(s) - int(steps[0]) + 1  # 1-based, as "step 50 of 50"

    lines = [f"<!-- made by scripts/replication_chaney2018.py at commit {commit} -->",
             f"Change relative to the ideal (oracle) arm, per replicate on common random numbers, mean over {n_rep} "
             f"replicates [95% Student-t interval], after step {step_no(early)} (before `cf_als` first retrains) "
             f"and after step {step_no(last)} (the last). Jaccard: arm − ideal; utility: arm / ideal − 1 (mean "
             "true utility of everything consumed so far).", "",
             "| arm | Δ Jaccard, nearest pairs, step {0} | Δ Jaccard, nearest pairs, step {1} | "
             "rise of Δ (step {1} − step {0}) | Δ Jaccard, random pairs, step {1} | utility vs ideal, step {1} |"
             .format(step_no(early), step_no(last)),
             "| --- | --- | --- | --- | --- | --- |"]
    for arm in ARMS:
        d_early, d_last = diff(arm, early, "jaccard_nearest"), diff(arm, last, "jaccard_nearest")
        lines.append(f"| {arm} | {fmt(mean_ci(d_early))} | {fmt(mean_ci(d_last))} | "
                     f"{fmt(mean_ci(d_last - d_early))} | {fmt(mean_ci(diff(arm, last, 'jaccard_random')))} | "
                     f"{fmt(mean_ci(100 * rel(arm, last, 'consumed_utility')), 1)}% |")
    lines += ["", f"The ideal arm itself, after step {step_no(last)}: Jaccard of nearest pairs "
              f"{fmt(mean_ci(at(CONTROL, last, 'jaccard_nearest')), signed=False)}, of random pairs "
              f"{fmt(mean_ci(at(CONTROL, last, 'jaccard_random')), signed=False)}; mean true utility of consumed items "
              f"{fmt(mean_ci(at(CONTROL, last, 'consumed_utility')), 3, signed=False)}."]
    write_between(os.path.join(ROOT, "docs", "replications.md"), BEGIN, END, "\n".join(lines), who)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
