#!/usr/bin/python3
"""The forgetting section of docs/replications.md (Hosseinmardi et al., PNAS 2024), from the shipped scenario.

Runs `counterpoint run scenarios/replicate_hosseinmardi2024.yaml` (5 replicates, 90 steps, as
shipped) and writes, between <!-- replication-hosseinmardi:begin --> and
<!-- replication-hosseinmardi:end --> of docs/replications.md, with the commit it was made at:
per arm, the harmful share of the switched puppets' slates (puppets_switched_harmful_share)
against the mainstream puppets' 95% interval, before and after the switch; the forgetting
time (the first step from the switch at which the switched puppets' mean falls within the
mainstream puppets' interval, and the items they consumed until then), the step at which
their excess over the mainstream puppets has halved, the first per replicate, and the
negative control (mainstream_again against mainstream). Intervals: the engine's
(counterpoint.mean_ci: Student's t over the replicates, on the logit scale for shares;
docs/metrics.md, "Statistics"). Refuses a tree with uncommitted changes. The command is
printed.

Usage: /usr/bin/python3 scripts/replication_hosseinmardi2024.py [--threads 2]
(about a minute on 2 cores; the build must exist: bash scripts/setup.sh)."""
import csv
import io
import os

from docs_markers import ROOT, argument_parser, mean_ci, run_shipped, write_between

BEGIN, END = "<!-- replication-hosseinmardi:begin -->", "<!-- replication-hosseinmardi:end -->"
SCENARIO = os.path.join(ROOT, "scenarios", "replicate_hosseinmardi2024.yaml")
SWITCH = 30  # the switched puppets' second script part starts here (the scenario's from_step)
ARMS = ["learning", "frozen"]


def fmt(e, digits=3):
    return f"{e[0]:.{digits}f} [{e[1]:.{digits}f}, {e[2]:.{digits}f}]"


def series(rows, arm, column):
    """replicate -> list of the column's values by step."""
    out = {}
    for r in rows:
        if r["arm"] == arm:
            out.setdefault(int(r["replicate"]), {})[int(r["step"])] = float(r[column])
    return {rep: [v[t] for t in sorted(v)] for rep, v in out.items()}


def first_step(values, test, steps):
    """The first k >= 0 with test(values at SWITCH + k), or None within the run."""
    return next((t - SWITCH for t in range(SWITCH, steps) if test(t, values)), None)


def forgetting(switched, control, consumed, steps):
    """After the switch: the first step at which the switched mean falls within the control's
    interval (the paper's "forgetting"), the first at which the mean excess over the control
    has halved, each with the items consumed per puppet until then; and the former per replicate."""
    reps = sorted(switched)
    ci_high = [mean_ci([control[r][t] for r in reps], share=True)[2] for t in range(steps)]
    mean_s = [sum(switched[r][t] for r in reps) / len(reps) for t in range(steps)]
    gap = [mean_s[t] - sum(control[r][t] for r in reps) / len(reps) for t in range(steps)]
    within = first_step(mean_s, lambda t, v: v[t] <= ci_high[t], steps)
    half = first_step(gap, lambda t, v: v[t] <= gap[SWITCH - 1] / 2, steps)
    per_rep = [first_step(switched[r], lambda t, v: v[t] <= ci_high[t], steps) for r in reps]

    def items(k):
        return None if k is None else sum(sum(consumed[r][t] for r in reps) / len(reps)
                                          for t in range(SWITCH, SWITCH + k))
    return (within, items(within)), (half, items(half)), per_rep


def steps_text(k_items, steps):
    k, items = k_items
    return f"not within the {steps - SWITCH} steps after it" if k is None else f"{k} ({items:.0f} items)"


def main():
    args = argument_parser(__doc__).parse_args()
    who = "replication_hosseinmardi2024.py"
    commit, texts = run_shipped(who, SCENARIO, ["metrics.csv"], args.threads)
    lines = section(list(csv.DictReader(io.StringIO(texts["metrics.csv"]))), commit)
    write_between(os.path.join(ROOT, "docs", "replications.md"), BEGIN, END, "\n".join(lines), who)
    print("\n".join(lines))


def section(rows, commit):
    """The section's lines from metrics.csv's rows."""
    steps = 1 + max(int(r["step"]) for r in rows)
    lines = [f"<!-- made by scripts/replication_hosseinmardi2024.py at commit {commit} -->"]
    n = None
    last = steps - 1
    table = [f"| arm | switched, step {SWITCH - 1} | mainstream, step {SWITCH - 1} | switched, step {last} | "
             f"mainstream, step {last} | within the mainstream interval after | excess halved after |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    notes, reps_text = [], []
    for arm in ARMS:
        sw = series(rows, arm, "puppets_switched_harmful_share")
        ms = series(rows, arm, "puppets_mainstream_harmful_share")
        again = series(rows, arm, "puppets_mainstream_again_harmful_share")
        consumed = series(rows, arm, "puppets_switched_consumed")
        reps = sorted(sw)
        n = len(reps)
        within, half, per_rep = forgetting(sw, ms, consumed, steps)
        cells = [fmt(mean_ci([g[r][t] for r in reps], share=True)) for t in (SWITCH - 1, last) for g in (sw, ms)]
        table.append(f"| {arm} | " + " | ".join(cells) + f" | {steps_text(within, steps)} | "
                     f"{steps_text(half, steps)} |")
        reps_text.append(f"`{arm}`: " + ", ".join("never" if v is None else str(v) for v in per_rep))
        # negative control: two groups with the same script, averaged over the run, paired by replicate
        diff = mean_ci([sum(again[r][t] - ms[r][t] for t in range(steps)) / steps for r in reps])
        notes.append(f"`{arm}`: {fmt(diff, 4)}.")
    lines += [f"Harmful share (borderline + extremist) of the puppets' slate slots, mean over {n} replicates "
              "[95% Student-t interval on the logit scale, as the summaries give shares]. The switched "
              "puppets watch the most extreme item of their slate for "
              f"steps 0–{SWITCH - 1} and the least extreme from step {SWITCH}; the mainstream puppets, the least "
              "extreme from the start. *Within the mainstream interval after*: the first step from "
              f"{SWITCH} at which the switched puppets' mean share falls within the mainstream puppets' 95% "
              "interval (the paper's forgetting); *excess halved after*: the first step from "
              f"{SWITCH} at which their mean excess over the mainstream puppets is half its value at step "
              f"{SWITCH - 1} (a descriptive measure added after the first gave no number; one item is "
              "consumed per step, so steps and items agree).", ""] + table + [
        "", "Per replicate, the first step at which that replicate's share falls within the mainstream "
        "interval: " + "; ".join(reps_text) + ".",
        "", "Negative control, mainstream_again − mainstream, harmful share averaged over the run and paired by "
        "replicate: " + " ".join(notes)]
    return lines


if __name__ == "__main__":
    main()
