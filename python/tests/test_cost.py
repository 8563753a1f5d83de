"""counterpoint.predict_cost: the CLI's --dry-run from Python."""
import pytest

import counterpoint as cp
from conftest import small_world


def test_the_memory_prediction_is_the_hand_count_and_scales_with_users():
    base = cp.predict_cost(small_world(), arms=["engagement"])
    big = cp.predict_cost(small_world(), overrides={"population.n_users": 1200}, arms=["engagement"])
    # per user (docs/scenarios.md, "Memory"): interest and estimate 2 x 16 x 4, traits 16, counters
    # 3 x 4, the history ring of rabbit_hole's default window 10 x (4 + 4), ring head and count 8
    per_user = 2 * 16 * 4 + 16 + 12 + 10 * 8 + 8
    assert base["memory"]["population"] == 300 * per_user
    assert big["memory"]["population"] == 1200 * per_user
    assert base["memory"]["embeddings"] == 2000 * 16 * 4
    assert base["peak_bytes"] == pytest.approx(sum(base["memory"].values()) + base["program_bytes"])
    # the calibration runs the scenario's own size when it is smaller than 8,192 users
    assert base["calibration"]["users"] == 300 and big["calibration"]["users"] == 1200
    assert base["user_ratio"] == 1 and big["user_ratio"] == 1
    assert [a["arm"] for a in base["arms"]] == ["engagement"]
    for p in (base, big):
        assert p["seconds_per_step"] > 0
        assert p["run_seconds"] == pytest.approx(6 * p["seconds_per_step"])  # 1 replicate x 1 arm x 6 steps
        assert 0 <= p["arms"][0]["search_share"] <= 1


def test_a_shipped_scenario_past_the_calibration_size_is_scaled_by_its_users():
    p = cp.predict_cost("rabbit_hole", overrides={"population.n_users": 81920, "replicates": 1},
                        arms=["engagement", "relevance"])
    assert p["calibration"]["users"] == 8192
    assert p["user_ratio"] == pytest.approx(10)
    assert [a["arm"] for a in p["arms"]] == ["engagement", "relevance"]
    for a in p["arms"]:
        # no catalog scaling (20,000 items, as calibrated): the calibration's step times 10 users
        assert a["seconds_per_step"] == pytest.approx(10 * a["calibration_seconds_per_step"], rel=1e-9)
    assert p["seconds_per_step"] == pytest.approx(sum(a["seconds_per_step"] for a in p["arms"]) / 2)


def test_a_world_of_platforms_is_predicted_from_its_own_calibration():
    # two arms of crisis_christchurch at a fifth of its uploads, 300 one-minute steps
    p = cp.predict_cost("crisis_christchurch", arms=["shared_2019", "no_sharing"],
                        overrides={"replicates": 2, "steps": 300, "world.incident.uploads_per_minute": 100})
    assert [a["arm"] for a in p["arms"]] == ["shared_2019", "no_sharing"]
    assert p["calibration"]["scale"] == 0.25  # the runs expect fewer than 200,000 uploads
    for a in p["arms"]:
        assert a["seconds"] > 0 and a["uploads"] > a["calibration_uploads"] > 0 and 1 <= a["exponent"] <= 2
    assert p["seconds_per_step"] == pytest.approx(sum(a["seconds"] for a in p["arms"]) / 2 / 300)
    assert p["run_seconds"] == pytest.approx(p["seconds_per_step"] * 300 * 2 * 2)
    m = p["memory"]
    assert p["peak_bytes"] == pytest.approx(p["program_bytes"] + m["upload logs"] + max(
        m["running world"] + m["background hashes"] + m["audiences"], m["output text"]))
    assert m["audiences"] == 0  # no platform's audience is simulated here


def test_what_is_not_predicted_is_a_scenario_error():
    with pytest.raises(cp.ScenarioError, match="n_userz"):
        cp.predict_cost(small_world(), overrides={"population.n_userz": 3})
