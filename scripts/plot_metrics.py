#!/usr/bin/python3
"""Plots a run's metrics over time, one line per arm (mean over replicates,
shaded 95% CI), into DIR/metrics.png. Usage: plot_metrics.py RESULT_DIR"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

PANELS = [
    ("harmful_exposure_share", "Harmful exposure share"),
    ("extremity_mean", "Users' mean true extremity"),
    ("rabbit_hole_share", "Share of users in a rabbit hole"),
    ("clicks_per_session", "Clicks per session"),
]
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def main(out_dir):
    metrics = pd.read_csv(os.path.join(out_dir, "metrics.csv"))
    with open(os.path.join(out_dir, "manifest.json")) as f:
        manifest = json.load(f)
    panels = [p for p in PANELS if p[0] in metrics.columns]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6))
    for ax, (col, title) in zip(axes, panels):
        for arm, g in metrics.groupby("arm", sort=False):
            stats = g.groupby("step")[col].agg(["mean", "std", "count"])
            ax.plot(stats.index, stats["mean"], label=arm)
            n = int(stats["count"].iloc[0])
            if n > 1:
                half = T975.get(n - 1, 1.96) * stats["std"] / n ** 0.5
                ax.fill_between(stats.index, stats["mean"] - half, stats["mean"] + half, alpha=0.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    name = manifest["resolved_scenario"]["name"]
    reps = manifest["resolved_scenario"]["replicates"]
    fig.suptitle(f"counterpoint: {name} ({reps} replicate(s), mean and 95% CI)", fontsize=11)
    fig.tight_layout()
    target = os.path.join(out_dir, "metrics.png")
    tmp = target + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, target)
    print(f"Plot: {target}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_metrics.py RESULT_DIR")
    main(sys.argv[1])
