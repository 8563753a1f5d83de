"""A world of platforms from Python: shipped crisis scenarios by name, and every final metric
recounted from the uploads table alone (docs/crisis.md, "What a run writes")."""
import pytest

import counterpoint as cp

SMALL = {"steps": 150, "replicates": 2, "world.incident.uploads_per_minute": 60,
         "world.removal_orders.find_rate_per_minute": 0.02}


@pytest.fixture(scope="module")
def res():
    return cp.run("crisis_small_platforms", overrides=SMALL, progress=False)


def test_shipped_crisis_scenarios_are_listed():
    names = set(cp.scenarios().index)
    assert {"crisis_christchurch", "crisis_small_platforms", "crisis_news_safeguard"} <= names


def test_final_metrics_recount_from_the_uploads(res):
    up = res.uploads
    assert len(up) > 1000
    assert set(up["platform"]) == {"large_social", "large_video", "small_video", "small_forum"}
    last_minute = SMALL["steps"] - 1  # one-minute steps
    final = res.metrics[res.metrics["step"] == last_minute]
    for (arm, rep), u in up.groupby(["arm", "replicate"], observed=True):
        row = final[(final["arm"] == arm) & (final["replicate"] == rep)].iloc[0]
        for platform, pu in [(None, u)] + list(u.groupby("platform")):
            sfx = "" if platform is None else "@" + platform
            attack = pu[pu["kind"] != "news"]
            assert row["attack_uploads" + sfx] == len(attack)
            blocked = (attack["outcome"] == "blocked").sum()
            assert row["blocked_at_upload" + sfx] == blocked
            assert row["blocked_share" + sfx] == pytest.approx(blocked / len(attack) if len(attack) else 0, abs=1e-12)
            assert row["views" + sfx] == attack["views"].sum()
            assert row["live_copies" + sfx] == (attack["outcome"] == "live").sum()
            # the hour: uploads at least 60 minutes old, blocked or removed within 60 minutes
            decided = attack[attack["minute"] + 60 <= last_minute]
            within = ((decided["outcome_minute"] >= 0) & (decided["minutes_to_outcome"] <= 60)).sum()
            expect = within / len(decided) if len(decided) else 0
            assert row["within_hour_share" + sfx] == pytest.approx(expect, abs=1e-12)
            # orders: met when removed within 60 minutes of receipt; decided when met or past the deadline
            ordered = attack[attack["order_minute"] >= 0]
            met = (ordered["outcome_minute"] >= 0) & (ordered["outcome_minute"] - ordered["order_minute"] <= 60)
            decided_orders = met | (ordered["order_minute"] + 60 <= last_minute)
            assert row["orders" + sfx] == len(ordered)
            expect = met.sum() / decided_orders.sum() if decided_orders.sum() else 0
            assert row["orders_met_share" + sfx] == pytest.approx(expect, abs=1e-12)
    # the small platforms block nothing without access, and copies blocked by a hash name
    # the platform whose removal gave it, usable no later than the upload
    small = up[up["platform"].isin(["small_video", "small_forum"])]
    assert (small[small["arm"] == "no_access"]["outcome"] != "blocked").all()
    by_hash = up[up["channel"] == "hash_match"]
    assert by_hash["match_platform"].notna().all()
    assert (by_hash["match_usable_minute"] <= by_hash["minute"]).all()
    assert (small[(small["arm"] == "member") & (small["channel"] == "hash_match")].shape[0]) > 0


def test_arms_see_the_same_uploads_arrive(res):
    up = res.uploads
    a = up[(up["arm"] == "no_access") & (up["replicate"] == 0)][["minute", "platform", "kind"]].to_numpy()
    b = up[(up["arm"] == "member") & (up["replicate"] == 0)][["minute", "platform", "kind"]].to_numpy()
    assert a.shape == b.shape and (a == b).all()


def test_a_scenario_without_a_world_has_no_uploads():
    r = cp.run("rabbit_hole", overrides={"population.n_users": 150, "steps": 2, "replicates": 1}, progress=False)
    assert r.uploads.empty
