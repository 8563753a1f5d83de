#!/usr/bin/python3
"""The amplification table in docs/replications.md (Huszar et al., PNAS 2022), from the shipped scenario.

Runs `counterpoint run scenarios/replicate_huszar2022.yaml` (5 replicates, 20 steps, as
shipped) and writes, between <!-- replication-huszar:begin --> and
<!-- replication-huszar:end --> of docs/replications.md, with the commit it was made at:
for each arm and label, the amplification ratio over the newest_first arm (the reach of the
label among the arm's users over its reach among the control's, at the final step; mean over
replicates with the 95% Student-t interval, from summary.json's
arms.<arm>.amplification_by_group), the same as Huszar et al.'s percentage (ratio - 1), and
the control's reach. Refuses a tree with uncommitted changes. The command is printed.

Usage: /usr/bin/python3 scripts/replication_huszar2022.py [--threads 2]
(about a minute on 2 cores; the build must exist: bash scripts/setup.sh)."""
import json
import os

from docs_markers import ROOT, argument_parser, run_shipped, write_between

BEGIN, END = "<!-- replication-huszar:begin -->", "<!-- replication-huszar:end -->"
LABELS = ["extremist", "borderline", "counter_narrative", "news_reporting", "mainstream"]
ARMS = ["engagement", "relevance", "shuffled", "newest_first_again"]
CONTROL = "newest_first"


def fmt(e, digits=3):
    if e["mean"] is None:
        return "n/a"
    return f"{e['mean']:.{digits}f} [{e['ci95_low']:.{digits}f}, {e['ci95_high']:.{digits}f}]"


def pct(e):
    if e["mean"] is None:
        return "n/a"
    return f"{100 * (e['mean'] - 1):+.1f}%"


def main():
    ap = argument_parser(__doc__)
    args = ap.parse_args()
    who = "replication_huszar2022.py"
    commit, texts = run_shipped(who, os.path.join(ROOT, "scenarios", "replicate_huszar2022.yaml"), ["summary.json"],
                                args.threads)
    summary = json.loads(texts["summary.json"])
    assert summary["amplification_control"] == CONTROL, summary.get("amplification_control")
    control = summary["arms"][CONTROL]["final"]
    n = summary["arms"]["engagement"]["amplification_by_group"]["extremist"]["n"]
    lines = [f"<!-- made by scripts/replication_huszar2022.py at commit {commit} -->",
             f"Amplification ratio over `{CONTROL}` at the final step (step 20), mean over {n} replicates "
             "[95% Student-t interval]; in brackets after it, Huszár et al.'s percentage (ratio − 1). "
             f"Last row: the label's reach under `{CONTROL}` (share of the 4,000 users shown at least one item "
             "of the label).", "",
             "| arm | " + " | ".join(LABELS) + " |", "| --- | " + " | ".join("---" for _ in LABELS) + " |"]
    for arm in ARMS:
        amp = summary["arms"][arm]["amplification_by_group"]
        lines.append(f"| {arm} | " + " | ".join(f"{fmt(amp[l])} ({pct(amp[l])})" for l in LABELS) + " |")
    lines.append(f"| reach under {CONTROL} | " + " | ".join(fmt(control[f"reach_{l}"]) for l in LABELS) + " |")
    h = summary["arms"]["engagement"]["amplification"]
    lines += ["", f"Borderline and extremist together (`harmful_reach`, `arms.engagement.amplification`): "
              f"{fmt(h)} ({pct(h)})."]
    write_between(os.path.join(ROOT, "docs", "replications.md"), BEGIN, END, "\n".join(lines), who)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
