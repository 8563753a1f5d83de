#!/usr/bin/python3
"""The results tables of docs/crisis.md, from the shipped crisis scenarios.

Runs scenarios/crisis_christchurch.yaml, crisis_small_platforms.yaml,
crisis_news_safeguard.yaml, crisis_displacement.yaml and crisis_audience.yaml at their shipped sizes and replicate counts, and writes, between
<!-- crisis-results:begin --> and <!-- crisis-results:end --> of docs/crisis.md, for each:
the final values (24 hours) of its key columns per arm (mean [95% CI] from summary.json),
each arm's paired difference from the control with Holm's verdict, for crisis_audience the
small video site's views an hour per live copy over the day, and, for
crisis_christchurch, the calibration targets with the values reached, at the shipped tenth of
the scale and at the full scale (its control arm, one replicate, at uploads_per_minute 5000:
the scale the reported figures are for), with the commit it was made at. Refuses a tree with uncommitted changes. The commands are printed.

Usage: /usr/bin/python3 scripts/crisis_results.py [--threads 2]
(about 11 minutes on 2 cores; the build must exist: bash scripts/setup.sh)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

from docs_markers import CLI, ROOT, argument_parser, committed_head, require_cli, show_command, write_between

SCENARIOS = [
    ("crisis_christchurch", [
        ("blocked_share@large_social", "large network: blocked at upload"),
        ("attack_uploads@large_social", "large network: copies uploaded"),
        ("blocked_share@large_video", "large video platform: blocked at upload"),
        ("hashes_shared", "variants shared"),
        ("within_hour_share", "within the hour, all platforms"),
        ("views", "views of copies, all platforms"),
        ("orders_met_share", "removal orders met in time"),
        ("removed_after_upload", "removed after upload, all platforms"),
        ("live_copies", "copies up at 24 h, all platforms"),
        ("notice_feedback_within_hour_share", "notices answered within the hour"),
    ]),
    ("crisis_small_platforms", [
        ("views@small_video", "small video site: views"),
        ("views@small_forum", "small forum: views"),
        ("blocked_share@small_video", "small video site: blocked at upload"),
        ("within_hour_share@small_video", "small video site: within the hour"),
        ("live_copies@small_video", "small video site: copies up at 24 h"),
    ]),
    ("crisis_news_safeguard", [
        ("news_uploads", "news reports uploaded"),
        ("news_hit", "news reports blocked or removed"),
        ("news_restored", "restored on appeal"),
        ("blocked_share", "attack copies blocked at upload"),
        ("views", "views of copies"),
    ]),
    ("crisis_displacement", [
        ("retry_uploads", "retries, all platforms"),
        ("attack_uploads@small_video", "small video site: copies uploaded"),
        ("views@small_video", "small video site: views"),
        ("views@small_forum", "small forum: views"),
        ("blocked_share@large_social", "large network: blocked at upload"),
        ("views", "views of copies, all platforms"),
    ]),
    ("crisis_audience", [
        ("views@small_video", "small video site: views"),
        ("views_at_risk@small_video", "small video site: views by users at risk"),
        ("live_copies@small_video", "small video site: copies up at 24 h"),
        ("unseated_copies@small_video", "small video site: copies without a seat"),
        ("views@small_forum", "small forum: views"),
        ("views_at_risk@small_forum", "small forum: views by users at risk"),
        ("unseated_copies@small_forum", "small forum: copies without a seat"),
        ("news_views@small_video", "small video site: views of news reports"),
        ("news_views@small_forum", "small forum: views of news reports"),
        ("news_hit@small_forum", "small forum: news reports hit"),
        ("unseated_news@small_video", "small video site: news reports without a seat"),
        ("unseated_news@small_forum", "small forum: news reports without a seat"),
        ("people_reached", "people who saw a copy on either site, each once"),
        ("people_reached_at_risk", "of them at risk"),
        ("views@large_social", "large network: views"),
    ]),
]


def cell(e, share, sign=False):
    """mean [low, high] from a summary entry; shares with 3 decimals (differences 4), counts whole."""
    if e is None or e.get("mean") is None:
        return "n/a"
    fmt = ("{:+.4f}" if sign else "{:.3f}") if share else ("{:+,.0f}" if sign else "{:,.0f}")
    m = fmt.format(e["mean"])
    if e.get("ci95_low") is None:
        return m
    return f"{m} [{fmt.format(e['ci95_low'])}, {fmt.format(e['ci95_high'])}]"


def table(summary, arms, columns):
    """The final values per arm (in the scenario's order), then each arm's difference from the control."""
    kinds = summary["metric_kinds"]
    control = summary["control"]
    order = [control] + [a for a in arms if a != control]
    holm = {(c["arm"], c["metric"]): c["distinguishable_after_holm"] for c in summary["comparisons"]}
    lines = ["| arm | " + " | ".join(label for _, label in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for arm in order:
        final = summary["arms"][arm]["final"]
        lines.append(f"| `{arm}` | " + " | ".join(cell(final.get(c), kinds.get(c) == "share") for c, _ in columns)
                     + " |")
    lines += ["", f"Difference from `{control}` (paired by replicate; * distinguishable from zero after Holm's "
              "correction over the arm's columns):", "",
              "| arm | " + " | ".join(label for _, label in columns) + " |", "|---|" + "---|" * len(columns)]
    for arm in order[1:]:
        diff = summary["arms"][arm]["difference_vs_baseline"]
        lines.append(f"| `{arm}` | " + " | ".join(
            cell(diff.get(c), kinds.get(c) == "share", sign=True) + (" *" if holm.get((arm, c)) else "")
            for c, _ in columns) + " |")
    return lines


def audience_hours(summary, run_dir):
    """crisis_audience: the small video site's views an hour per live copy over the day, in the
    control arm (means over replicates of the views in the hour and of the copies up at its end)."""
    control = summary["control"]
    hours = (4, 10, 16, 22)
    ends = {60 * h - 1 for h in hours} | {60 * (h - 1) - 1 for h in hours}
    views, live = {}, {}
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        for row in csv.DictReader(f):
            step = int(row["step"])
            if row["arm"] != control or step not in ends:
                continue
            views.setdefault(step, []).append(float(row["views@small_video"]))
            live.setdefault(step, []).append(float(row["live_copies@small_video"]))
    mean = {s: sum(v) / len(v) for s, v in views.items()}
    lines = ["", f"`crisis_audience`, control arm `{control}`: the small video site's views in the hour, and per copy "
             "up at its end (means over replicates):", "",
             "| hour ending at | views in the hour | copies up | views per copy up |", "|---|---|---|---|"]
    for h in hours:
        end, start = 60 * h - 1, 60 * (h - 1) - 1
        in_hour = mean[end] - mean[start]
        up = sum(live[end]) / len(live[end])
        lines.append(f"| {h} h | {in_hour:,.0f} | {up:,.0f} | {in_hour / up:.1f} |")
    return lines


def calibration(summary, run_dir, threads):
    """The calibration table: the control arm at the shipped scale, then at the full scale."""
    control = summary["control"]
    final = summary["arms"][control]["final"]
    full_dir = run_dir + "_full_scale"
    cmd = [CLI, "run", os.path.join(ROOT, "scenarios", "crisis_christchurch.yaml"), "--out", full_dir, "--arms",
           control, "--set", "replicates=1", "world.incident.uploads_per_minute=5000", "--threads", str(threads),
           "--quiet"]
    show_command(cmd, ROOT)
    subprocess.run(cmd, check=True)
    with open(os.path.join(full_dir, "summary.json")) as f:
        full = json.load(f)["arms"][control]["final"]
    value = {k: (final[k]["mean"], full[k]["mean"])
             for k in ["blocked_share@large_social", "attack_uploads@large_social", "hashes_shared"]}
    share, copies, variants = value["blocked_share@large_social"], value["attack_uploads@large_social"], \
        value["hashes_shared"]
    yes = {True: "yes", False: "no"}
    return ["", f"Calibration, control arm `{control}`: the shipped scenario (a tenth of the full scale, "
            f"{summary['replicates']} replicates) and the full scale (`uploads_per_minute: 5000`, one replicate), "
            "the scale the reported figures are for:", "",
            "| target | reported | shipped (a tenth) | full scale | within the target |", "|---|---|---|---|---|",
            f"| large network's blocked-at-upload share, 24 h | about 0.80; target 0.70 to 0.90 | {share[0]:.3f} | "
            f"{share[1]:.3f} | {yes[all(0.70 <= v <= 0.90 for v in share)]} |",
            f"| copies on the large network, 24 h | 1.5 million; target 10^6 to 2 x 10^6 at full scale | "
            f"{copies[0]:,.0f} | {copies[1]:,.0f} | {yes[1e6 <= copies[1] <= 2e6]} |",
            f"| distinct variants shared, 24 h | more than 800 after three to four days, later 900; target 400 to 1,200 at full "
            f"scale | {variants[0]:,.0f} | {variants[1]:,.0f} | {yes[400 <= variants[1] <= 1200]} |"]


def main():
    ap = argument_parser(__doc__)
    args = ap.parse_args()
    require_cli("crisis_results.py")
    commit = committed_head(ROOT, "crisis_results.py")
    out = [f"Made at commit {commit} by `/usr/bin/python3 scripts/crisis_results.py`."]
    with tempfile.TemporaryDirectory() as tmp:
        for name, columns in SCENARIOS:
            run_dir = os.path.join(tmp, name)
            cmd = [CLI, "run", os.path.join(ROOT, "scenarios", name + ".yaml"), "--out", run_dir,
                   "--threads", str(args.threads), "--quiet"]
            show_command(cmd, ROOT)
            subprocess.run(cmd, check=True)
            with open(os.path.join(run_dir, "summary.json")) as f:
                summary = json.load(f)
            with open(os.path.join(run_dir, "manifest.json")) as f:
                arms = [a["name"] for a in json.load(f)["resolved_scenario"]["arms"]]
            out += ["", f"**`{name}`** ({summary['replicates']} replicates, {summary['steps']} one-minute steps):", ""]
            out += table(summary, arms, columns)
            if name == "crisis_christchurch":
                out += calibration(summary, run_dir, args.threads)
            if name == "crisis_audience":
                out += audience_hours(summary, run_dir)
    write_between(os.path.join(ROOT, "docs", "crisis.md"), "<!-- crisis-results:begin -->",
                  "<!-- crisis-results:end -->", "\n".join(out), "crisis_results.py")
    print("docs/crisis.md: results written", file=sys.stderr)


if __name__ == "__main__":
    main()
