"""The moderation-speed replication (docs/replications.md): on a reduced copy of
scenarios/replicate_moderation_speed.yaml (fewer users and items, 3 replicates, the same
4-day horizon and latencies), the share of harmful exposure prevented against the
unmoderated control falls as the takedown delay grows, a 30-minute takedown prevents
clearly more than a 48-hour one, and moderation that never acts within the horizon
prevents nothing. Tolerances are 4 standard errors of the paired per-replicate values."""
import math

import pytest

import counterpoint as cp

REDUCED = {"replicates": 3, "population.n_users": 500, "catalog.n_items": 4000}
METRIC = "harmful_impressions_per_user_cumulative"
# shortest delay first (the scenario's arms, by latency)
TAKEDOWN = ["takedown_30min", "takedown_1h", "takedown_3h", "takedown_6h", "takedown_12h", "takedown_24h",
            "takedown_48h"]


@pytest.fixture(scope="module")
def prevented():
    res = cp.run("replicate_moderation_speed", overrides=REDUCED, progress=False)
    m = res.metrics
    final = m[m["step"] == m["step"].max()].set_index(["arm", "replicate"])[METRIC]
    reps = sorted(final.loc["no_moderation"].index)
    base = [final.loc[("no_moderation", r)] for r in reps]
    assert all(b > 0 for b in base)  # the control sees harmful content: there is something to prevent
    return {arm: [1 - final.loc[(arm, r)] / b for r, b in zip(reps, base)] for arm in TAKEDOWN + ["takedown_never"]}


def _mean_se(xs):
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    return m, sd / math.sqrt(n)


def test_the_scenarios_arms_are_the_tested_latencies():
    sc = cp.load_scenario("replicate_moderation_speed")
    assert sc.arms == ["no_moderation"] + TAKEDOWN + ["takedown_never"]


def test_fast_takedown_prevents_harmful_exposure(prevented):
    m, se = _mean_se(prevented["takedown_30min"])
    assert m > 4 * se and m > 0.2


def test_prevented_share_falls_with_the_delay(prevented):
    # monotone within 4 standard errors of each paired step
    for short, long in zip(TAKEDOWN, TAKEDOWN[1:]):
        m, se = _mean_se([a - b for a, b in zip(prevented[short], prevented[long])])
        assert m > -4 * se - 1e-12, (short, long, m, se)


def test_thirty_minutes_prevents_clearly_more_than_two_days(prevented):
    m, se = _mean_se([a - b for a, b in zip(prevented["takedown_30min"], prevented["takedown_48h"])])
    assert m > 4 * se and m > 0.1


def test_moderation_that_never_acts_prevents_nothing(prevented):
    # the negative control: the intervention runs but no item reaches its latency
    m, se = _mean_se(prevented["takedown_never"])
    assert abs(m) <= 4 * se + 1e-12
    assert max(abs(x) for x in prevented["takedown_never"]) < 1e-9
