#!/usr/bin/python3
"""Recounts a run's figures from its event logs alone, with Python's standard library.

Reads RUN_DIR/impressions.csv, moderation.csv, items.csv and users.csv (written with
`output: {events: true}`; gzip-compressed as .csv.gz by default) and recounts, per arm and replicate at the final step:

  mod_removed_total, mod_removed_harmful_total, mod_removed_legitimate_total,
  mod_within_hour_total           moderation.csv `removed` events; harmful = items.csv label
                                  borderline or extremist; within the hour when the item was
                                  visible latency_steps + 1 <= steps_per_hour steps
  hash_blocked_total, hash_blocked_legitimate_total, hash_blocked_news_total
                                  `blocked` events (hash matches at upload) by items.csv label
  ru_reuploaded_total             `reuploaded` events, plus blocked uploads of copies
                                  (items.csv parent set): a copy counts on arrival
  cn_injected_impressions_total, cn_injected_clicks_total
                                  impressions.csv rows with source `injected`, and their clicks
  cn_injected_reach_at_risk       at-risk users (users.csv) with an injected impression, over
                                  the at-risk users

and compares each with the final-step value metrics.csv holds, where metrics.csv has
that column. It does not use the toolkit: a reader can check the tool with it. Prints
one line per comparison; exits 1 if any differs, 2 if the run lacks the files.

Usage: /usr/bin/python3 scripts/recount_events.py RUN_DIR [--steps-per-hour N]
(steps_per_hour is read from manifest.json's resolved scenario when not given)."""
import argparse
import csv
import gzip
import json
import os
import sys
from collections import defaultdict

HARMFUL = {"borderline", "extremist"}


def find(run_dir, name):
    """RUN_DIR/name.gz (the default) or RUN_DIR/name, or None."""
    for candidate in (name + ".gz", name):
        if os.path.exists(os.path.join(run_dir, candidate)):
            return os.path.join(run_dir, candidate)
    return None


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        yield from csv.DictReader(f)


def steps_per_hour(run_dir):
    """Per arm: the moderation intervention's steps_per_hour in the resolved scenario."""
    with open(os.path.join(run_dir, "manifest.json")) as f:
        resolved = json.load(f)["resolved_scenario"]
    out = {}
    for arm in resolved.get("arms", []):
        for iv in arm.get("interventions", []):
            if iv.get("type") == "moderation":
                out[arm["name"]] = int(iv["steps_per_hour"])
    return out


def recount(run_dir, per_hour_override=None):
    """{(arm, replicate): {metric: value}} from the four event files."""
    label, parent = {}, {}
    for r in rows(find(run_dir, "items.csv")):
        key = (int(r["replicate"]), int(r["item"]))
        label[key], parent[key] = r["label"], r["parent"] != ""
    at_risk = defaultdict(set)  # replicate -> at-risk users
    for r in rows(find(run_dir, "users.csv")):
        if r["at_risk"] == "1":
            at_risk[int(r["replicate"])].add(int(r["user"]))
    per_hour = steps_per_hour(run_dir) if per_hour_override is None else defaultdict(lambda: per_hour_override)
    counts = defaultdict(lambda: defaultdict(float))
    for r in rows(find(run_dir, "moderation.csv")):
        run, rep = (r["arm"], int(r["replicate"])), int(r["replicate"])
        lab = label[(rep, int(r["item"]))]
        c = counts[run]
        if r["event"] == "removed":
            c["mod_removed_total"] += 1
            c["mod_removed_harmful_total"] += lab in HARMFUL
            c["mod_removed_legitimate_total"] += lab not in HARMFUL
            if r["arm"] in per_hour:
                c["mod_within_hour_total"] += int(r["latency_steps"]) + 1 <= per_hour[r["arm"]]
        elif r["event"] == "blocked":
            c["hash_blocked_total"] += 1
            c["hash_blocked_legitimate_total"] += lab not in HARMFUL
            c["hash_blocked_news_total"] += lab == "news_reporting"
            c["ru_reuploaded_total"] += parent[(rep, int(r["item"]))]
        elif r["event"] == "reuploaded":
            c["ru_reuploaded_total"] += 1
    reached = defaultdict(set)
    for r in rows(find(run_dir, "impressions.csv")):
        if r["source"] != "injected":
            continue
        run = (r["arm"], int(r["replicate"]))
        counts[run]["cn_injected_impressions_total"] += 1
        counts[run]["cn_injected_clicks_total"] += int(r["clicked"])
        if int(r["user"]) in at_risk[run[1]]:
            reached[run].add(int(r["user"]))
    for run in set(counts) | set(reached):
        n = len(at_risk[run[1]])
        counts[run]["cn_injected_reach_at_risk"] = len(reached[run]) / n if n else float("nan")
    return counts


def final_rows(run_dir):
    """{(arm, replicate): the metrics.csv row of its last step}."""
    last = {}
    for r in rows(os.path.join(run_dir, "metrics.csv")):
        key = (r["arm"], int(r["replicate"]))
        if key not in last or int(r["step"]) > int(last[key]["step"]):
            last[key] = r
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--steps-per-hour", type=int, default=None)
    args = ap.parse_args()
    needed = ["metrics.csv", "impressions.csv", "moderation.csv", "items.csv", "users.csv", "manifest.json"]
    missing = [f for f in needed if not find(args.run_dir, f)]
    if missing:
        print(f"recount_events.py: {args.run_dir} lacks {', '.join(missing)} (run with output: {{events: true}})",
              file=sys.stderr)
        return 2
    counts, last = recount(args.run_dir, args.steps_per_hour), final_rows(args.run_dir)
    metrics = sorted({m for c in counts.values() for m in c})
    compared = differ = 0
    for run, row in sorted(last.items()):
        for m in metrics:
            if m not in row or row[m] == "":
                continue  # the run does not report it (no such intervention or observer in any arm)
            got, want = counts[run].get(m, 0.0), float(row[m])
            same = abs(got - want) <= 1e-9 * max(1.0, abs(want)) or (got != got and want != want)
            compared += 1
            differ += not same
            print(f"{run[0]},{run[1]},{m},recount={got:g},metrics.csv={want:g},{'same' if same else 'DIFFERS'}")
    print(f"{compared} comparison(s), {differ} difference(s)")
    return 1 if differ or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
