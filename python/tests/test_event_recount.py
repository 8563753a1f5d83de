"""The event logs recount the run: items.csv and users.csv beside impressions.csv and
moderation.csv let scripts/recount_events.py, a separate process using only Python's
standard library, recompute removals, hash blocks (harmful and legitimate), re-uploads,
injections and at-risk reach, and find metrics.csv's values."""
import gzip
import subprocess
import sys

import numpy as np
import pandas as pd

import counterpoint as cp
from conftest import small_world

INTERVENTIONS = [
    {"type": "counter_narrative_injection", "targeting": "everyone", "slots": [1], "cap_impressions": 2,
     "cap_steps": 4, "budget_per_step": 120},
    {"type": "moderation", "latency_steps": 1, "steps_per_hour": 2, "flagger_recall": 0.5, "flagger_precision": 0.9,
     "flagger_latency_steps": 2, "appeal_success": 0.7, "appeal_delay_steps": 2, "review_false_positive": 0.5,
     "review_false_negative": 0.2},
    {"type": "reuploads", "delay": 1, "probability": 0.9},
    {"type": "hash_sharing", "match_threshold": 31, "seed_share": 0.3},
]


def scenario():
    sc = small_world(steps=10, replicates=2, output={"events": True},
                     observers=["exposure", "engagement", "counter_narrative_reach"],
                     arms=[{"name": "control"}, {"name": "all", "interventions": INTERVENTIONS}])
    sc["catalog"].update({"n_items": 3000, "n_organisations": 2, "new_item_share": 0.3, "upload_horizon": 6,
                          "reupload_pool": 0.5, "reupload_copies": 3})
    return sc


def test_an_independent_script_recounts_the_summary_from_the_logs(tmp_path, root):
    res = cp.run(scenario(), progress=False)
    res.write(tmp_path)
    for f in ("items.csv", "users.csv", "impressions.csv", "moderation.csv"):
        assert (tmp_path / (f + ".gz")).is_file(), f  # gzip by default (output.compress_events)
    out = subprocess.run([sys.executable, str(root / "scripts" / "recount_events.py"), str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    compared = {line.split(",")[2] for line in out.stdout.splitlines() if line.endswith(",same")}
    for metric in ("mod_removed_total", "mod_removed_harmful_total", "mod_removed_legitimate_total",
                   "mod_within_hour_total", "hash_blocked_total", "hash_blocked_legitimate_total",
                   "ru_reuploaded_total", "cn_injected_impressions_total", "cn_injected_clicks_total",
                   "cn_injected_reach_at_risk"):
        assert metric in compared, metric
    # the comparisons are not empty: the run removed, blocked, re-uploaded and injected
    last = res.metrics[(res.metrics.arm == "all") & (res.metrics.step == 9)]
    for metric in ("mod_removed_harmful_total", "mod_removed_legitimate_total", "hash_blocked_total",
                   "ru_reuploaded_total", "cn_injected_impressions_total"):
        assert (last[metric] > 0).all(), metric
    # and a changed log is caught: drop one removal
    mod = gzip.decompress((tmp_path / "moderation.csv.gz").read_bytes()).decode().splitlines(keepends=True)
    removal = next(i for i, line in enumerate(mod) if ",removed," in line)
    (tmp_path / "moderation.csv.gz").write_bytes(gzip.compress("".join(mod[:removal] + mod[removal + 1:]).encode()))
    out = subprocess.run([sys.executable, str(root / "scripts" / "recount_events.py"), str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "DIFFERS" in out.stdout


def test_items_and_users_tables(tmp_path):
    res = cp.run(scenario(), progress=False)
    items, users = res.items, res.users
    assert list(items.columns) == ["replicate", "item", "label", "topic", "extremity", "harm_score", "parent",
                                   "upload_step", "creator"]
    assert set(items.replicate) == {0, 1}
    for _, rep in items.groupby("replicate"):
        # 3000 items, then the re-upload copies the catalog prepares (uploaded on demand)
        assert list(rep.item) == list(range(len(rep))) and len(rep) > 3000
        assert rep.upload_step.isna().sum() == len(rep) - 3000
    # copies name an original (one without a parent) of their own replicate
    copies = items[items.parent.notna()]
    assert len(copies) > 0
    originals = items.set_index(["replicate", "item"]).parent
    assert originals.loc[list(zip(copies.replicate, copies.parent.astype(int)))].isna().all()
    assert list(users.columns) == ["replicate", "user", "at_risk", "extremity_projection", "appetite",
                                   "receptivity", "susceptibility", "session_prob"]
    assert len(users) == 2 * 300
    # the at-risk rule of docs/metrics.md, recomputed here: top quartile of the projection
    # (quantile type 7, numpy's default) or appetite >= 0.75
    for _, u in users.groupby("replicate"):
        threshold = np.quantile(u.extremity_projection.to_numpy(), 0.75)
        expect = (u.extremity_projection >= threshold - 1e-7) | (u.appetite >= 0.75)
        assert (u.at_risk.astype(bool) == expect).mean() > 0.995  # printed to 9 digits: ties may round
        assert 0.2 < u.at_risk.mean() < 0.6
    # the file the run writes is the same table
    res.write(tmp_path)
    assert pd.read_csv(tmp_path / "items.csv.gz").shape == items.shape
    assert gzip.decompress((tmp_path / "users.csv.gz").read_bytes()).decode() == res._core.users_csv()
