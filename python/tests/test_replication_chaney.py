"""Chaney et al.'s homogenization from Python (docs/replications.md): on a reduced copy of
scenarios/replicate_chaney2018.yaml the homogenization observer's columns are in cp.run's
metrics frame and summary, the oracle arm against itself differs by exactly 0, and the
oracle ranker is listed as an oracle baseline."""
import counterpoint as cp

COLUMNS = ["jaccard_nearest", "jaccard_random", "consumed_utility"]


def test_homogenization_columns_and_the_negative_control():
    res = cp.run("replicate_chaney2018", overrides={"replicates": 2, "population.n_users": 200, "steps": 6},
                 progress=False)
    m = res.metrics
    for c in COLUMNS:
        assert c in m.columns
    ideal = m[m["arm"] == "ideal"].sort_values(["replicate", "step"])[COLUMNS].to_numpy()
    again = m[m["arm"] == "ideal_again"].sort_values(["replicate", "step"])[COLUMNS].to_numpy()
    assert (ideal == again).all()  # the oracle against itself: the same users, clicks and pairs
    assert ((ideal[:, :2] >= 0) & (ideal[:, :2] <= 1)).all()
    diff = res.summary["arms"]["ideal_again"]["difference_vs_baseline"]
    for c in COLUMNS:
        assert diff[c]["mean"] == 0.0
    assert "jaccard_nearest" in res.summary["arms"]["collaborative"]["final"]


def test_the_oracle_is_listed_as_a_baseline():
    doc = cp.rankers()["oracle"]
    text = doc if isinstance(doc, str) else str(doc)
    assert "ORACLE BASELINE" in text
    assert "homogenization" in cp.observers()
