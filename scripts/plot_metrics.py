#!/usr/bin/python3
"""Plots a run's metrics over time, one line per arm (mean over replicates,
shaded 95% CI), into DIR/metrics.png. Usage: plot_metrics.py RESULT_DIR

The means and confidence intervals are the engine's own, read from
DIR/metrics_summary.csv (docs/metrics.md, "Statistics"); nothing is
recomputed here."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# metric column, panel title, y-axis label
PANELS = [
    ("harmful_exposure_share", "Harmful exposure", "share of impressions (borderline + extremist)"),
    ("extremity_mean", "Users' mean true extremity", "projection on the extremity direction"),
    ("rabbit_hole_share", "Users in a rabbit hole", "share of users"),
    ("clicks_per_session", "Engagement", "clicks per session"),
]


def main(out_dir):
    # an empty field is an undefined value; arm names are kept as written (even "NA")
    summary = pd.read_csv(
        os.path.join(out_dir, "metrics_summary.csv"),
        dtype={"arm": str, "metric": str},
        keep_default_na=False,
        na_values={c: [""] for c in ("mean", "ci95_low", "ci95_high")},
    )
    with open(os.path.join(out_dir, "manifest.json")) as f:
        manifest = json.load(f)
    metrics = set(summary["metric"])
    panels = [p for p in PANELS if p[0] in metrics]
    if not panels:
        sys.exit(f"plot_metrics.py: none of {', '.join(p[0] for p in PANELS)} in {out_dir}/metrics_summary.csv")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 4.4), squeeze=False)
    for ax, (col, title, ylabel) in zip(axes[0], panels):
        rows = summary[summary["metric"] == col]
        for arm, g in rows.groupby("arm", sort=False):
            g = g.sort_values("step")
            (line,) = ax.plot(g["step"], g["mean"], label=arm)
            # the band only where the engine wrote an interval (two or more replicates)
            band = g.dropna(subset=["ci95_low", "ci95_high"])
            if not band.empty:
                ax.fill_between(band["step"], band["ci95_low"], band["ci95_high"], color=line.get_color(), alpha=0.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
    # one legend for all panels, below them
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9,
               title="arm (line: mean over replicates; band: 95% CI)", title_fontsize=9)
    name = manifest["resolved_scenario"]["name"]
    reps = manifest["resolved_scenario"]["replicates"]
    fig.suptitle(f"counterpoint: {name} ({reps} replicate(s); mean over replicates, 95% Student-t CI)", fontsize=11)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    target = os.path.join(out_dir, "metrics.png")
    tmp = target + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, target)
    print(f"Plot: {target}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_metrics.py RESULT_DIR")
    main(sys.argv[1])
