"""Chaney et al.'s homogenization from Python (docs/replications.md): on a reduced copy of
scenarios/replicate_chaney2018.yaml the homogenization observer's columns are in cp.run's
metrics frame and summary, the oracle arm against itself differs by exactly 0, and the
oracle ranker is listed as an oracle baseline; cf_als retrieving from its item factors runs
from Python and changes nothing before its first retraining."""
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


def test_cf_als_retrieving_from_its_item_factors():
    # 20 candidates of 2,000 items: before the first retraining (steps 0-4) no user has
    # factors, so the two arms' rows are identical; after it the retrieval changes the slates
    res = cp.run("replicate_chaney2018", arms=["collaborative", "collaborative_retrieval"],
                 overrides={"replicates": 1, "population.n_users": 200, "steps": 10, "catalog.n_items": 2000,
                            "recommender.candidates": 20}, progress=False)
    m = res.metrics
    cf = m[m["arm"] == "collaborative"].sort_values("step")[COLUMNS].to_numpy()
    retrieval = m[m["arm"] == "collaborative_retrieval"].sort_values("step")[COLUMNS].to_numpy()
    assert (cf[:5] == retrieval[:5]).all()
    assert (cf[5:] != retrieval[5:]).any()
    assert "retrieve" in str(cp.rankers()["cf_als"])
