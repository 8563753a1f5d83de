#!/usr/bin/python3
"""Sensitivity of the default scenario's effect to its assumptions.

For each setting below, runs scenarios/rabbit_hole.yaml with only the
`engagement` and `relevance` arms (same users, candidates and random numbers)
and reads the paired difference in final harmful exposure share
(engagement - relevance, mean and 95% CI over replicates) from the summary the
engine wrote. Writes docs/validity_sensitivity.csv, docs/validity_sensitivity.png
and the table between the markers in docs/validity.md.

Usage: /usr/bin/python3 scripts/sensitivity.py [--replicates 5] [--threads 2]
(about 6 minutes on 2 cores; the build must exist: bash scripts/setup.sh)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

import matplotlib

from docs_markers import CLI, ROOT, argument_parser, require_cli, write_between

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCENARIO = os.path.join(ROOT, "scenarios", "rabbit_hole.yaml")
DEFAULTS = {"extremity_appeal": "6", "ctr_weight": "8", "drift_rate": "0.25", "learner": "choice_gradient",
            "n_items": "20000", "ctr_debias": "none", "news_value": "0"}
# (factor, --set key, values); the default value of each is marked in the table
FACTORS = [
    ("extremity_appeal", "user_model.extremity_appeal", ["0", "2", "4", "6", "9"]),
    ("ctr_weight", "recommender.ranker.ctr_weight", ["0", "2", "4", "8", "16"]),
    ("drift_rate", "user_model.drift_rate", ["0", "0.1", "0.25", "0.5"]),
    ("learner", "recommender.learner", ["choice_gradient", "click_average"]),
    ("n_items", "catalog.n_items", ["5000", "20000", "50000"]),
    ("ctr_debias", "recommender.ranker.ctr_debias", ["none", "examination"]),
    ("news_value", "user_model.news_value", ["0", "1"]),
]


def paired_difference(sets, replicates, threads):
    """engagement - relevance final harmful exposure: (mean, ci_low, ci_high)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [CLI, "run", SCENARIO, "--quiet", "--arms", "engagement,relevance", "--threads", str(threads),
               "--out", out, "--set", f"replicates={replicates}"] + [f"--set={s}" for s in sets]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "summary.json")) as f:
            d = json.load(f)["arms"]["relevance"]["difference_vs_baseline"]["harmful_exposure_share"]
    # the summary holds relevance - engagement; negate (and swap the interval's ends)
    return -d["mean"], -d["ci95_high"], -d["ci95_low"]


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--replicates", type=int, default=5)
    args = ap.parse_args()
    require_cli("sensitivity.py")
    rows, cache = [], {}
    for factor, key, values in FACTORS:
        for v in values:
            sets = [] if v == DEFAULTS[factor] else [f"{key}={v}"]
            if tuple(sets) not in cache:
                print(f"  {factor} = {v} ...", file=sys.stderr, flush=True)
                cache[tuple(sets)] = paired_difference(sets, args.replicates, args.threads)
            m, lo, hi = cache[tuple(sets)]
            rows.append({"factor": factor, "value": v, "default": v == DEFAULTS[factor], "diff": m, "ci95_low": lo,
                         "ci95_high": hi, "replicates": args.replicates})
    docs = os.path.join(ROOT, "docs")
    tmp = os.path.join(docs, "validity_sensitivity.csv.tmp")
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, os.path.join(docs, "validity_sensitivity.csv"))
    plot(rows, os.path.join(docs, "validity_sensitivity.png"))
    table(rows, os.path.join(docs, "validity.md"))


def plot(rows, path):
    fig, axes = plt.subplots(1, len(FACTORS), figsize=(3.2 * len(FACTORS), 3.4), sharey=True)
    for ax, (factor, _, values) in zip(axes, FACTORS):
        r = [x for x in rows if x["factor"] == factor]
        xs = range(len(r))
        ax.errorbar(xs, [x["diff"] for x in r], yerr=[[x["diff"] - x["ci95_low"] for x in r],
                                                      [x["ci95_high"] - x["diff"] for x in r]],
                    fmt="o", capsize=3, color="#b2182b")
        for i, x in zip(xs, r):
            if x["default"]:
                ax.plot(i, x["diff"], "o", mfc="none", ms=12, color="black")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(list(xs), [x["value"] for x in r], rotation=30, fontsize=8)
        ax.set_xlabel(factor)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("engagement - relevance\nfinal harmful exposure share")
    fig.suptitle("Paired effect of engagement ranking on harmful exposure (95% CI; circled: default)")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)


def table(rows, path):
    lines = ["| factor | value | engagement − relevance, harmful exposure [95% CI] | effect |", "|---|---|---|---|"]
    for x in rows:
        verdict = "yes" if x["ci95_low"] > 0 else ("reversed" if x["ci95_high"] < 0 else "none detected")
        value = f"**{x['value']}** (default)" if x["default"] else x["value"]
        lines.append(f"| {x['factor']} | {value} | {x['diff']:+.4f} [{x['ci95_low']:+.4f}, {x['ci95_high']:+.4f}] "
                     f"| {verdict} |")
    write_between(path, "<!-- sensitivity:begin -->", "<!-- sensitivity:end -->", "\n".join(lines),
                  "sensitivity.py")


if __name__ == "__main__":
    main()
