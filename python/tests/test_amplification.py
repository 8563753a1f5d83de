"""Huszár et al.'s amplification ratio per group of sources (docs/metrics.md, label_reach):
summary.json's arms.<arm>.amplification_by_group.<label>, recounted here from metrics.csv's
reach_<label> columns at the final step, replicate by replicate, on a reduced copy of
scenarios/replicate_huszar2022.yaml; the control against itself is exactly 1."""
import math

import pytest

import counterpoint as cp

LABELS = ["mainstream", "borderline", "extremist", "counter_narrative", "news_reporting"]


@pytest.fixture(scope="module")
def res():
    return cp.run("replicate_huszar2022", overrides={"replicates": 3, "population.n_users": 400, "steps": 6},
                  progress=False)


def test_ratios_recount_from_the_reach_columns(res):
    m = res.metrics
    final = m[m["step"] == m["step"].max()].set_index(["arm", "replicate"])
    arms = res.summary["arms"]
    assert arms["newest_first"].get("amplification_by_group", {}) == {}  # the control has no ratio to itself
    for arm in ["engagement", "relevance", "shuffled", "newest_first_again"]:
        groups = arms[arm]["amplification_by_group"]
        assert sorted(groups) == sorted(LABELS)
        for label in LABELS:
            ratios = [final.loc[(arm, r), "reach_" + label] / final.loc[("newest_first", r), "reach_" + label]
                      for r in range(3)]
            got = groups[label]["per_replicate"]
            assert len(got) == 3
            for mine, theirs in zip(ratios, got):
                assert (math.isnan(mine) and (theirs is None or math.isnan(theirs))) or mine == pytest.approx(theirs)
            if arm == "newest_first_again":  # the negative control: the same ranking, exactly 1
                assert got == [1.0, 1.0, 1.0]
