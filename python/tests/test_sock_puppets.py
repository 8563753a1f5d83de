"""Sock puppets (docs/sock_puppets.md) from Python: the block runs through cp.run and
cp.Simulation, its columns reach the result frames and cp.metrics(), cp.sock_puppets()
lists its keys, and a bad block raises ScenarioError naming the key."""
import pytest

import counterpoint as cp

SCENARIO = {
    "name": "puppets", "seed": 3, "steps": 6, "replicates": 2,
    "catalog": {"type": "synthetic", "n_items": 2000, "dim": 16, "n_topics": 6},
    "index": {"factory": "Flat"},
    "population": {"n_users": 50},
    "recommender": {"candidates": 30, "slate_size": 5},
    "observers": ["exposure"],
    "sock_puppets": [
        {"name": "top", "n": 3, "script": [{"from_step": 0, "choose": "top"}]},
        {"name": "listed", "n": 2, "script": [{"from_step": 0, "choose": "list", "items": [1, 2, 3]}]},
    ],
}


def test_run_writes_each_groups_columns():
    res = cp.run(SCENARIO, progress=False)
    m = res.metrics
    labels = cp.label_names()
    for group in ["top", "listed"]:
        for col in [f"puppets_{group}_harmful_share", f"puppets_{group}_consumed"] + [
                f"puppets_{group}_{label}_share" for label in labels]:
            assert col in m.columns, col
        shares = sum(m[f"puppets_{group}_{label}_share"] for label in labels)
        assert shares.round(12).eq(1.0).all()  # every filled slot holds one label
    assert (m["puppets_top_consumed"] == 1.0).all()  # the top slot is always filled here
    # three list items, one a step, then nothing
    listed = m.groupby("step")["puppets_listed_consumed"].mean()
    assert list(listed) == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]


def test_simulation_steps_the_same_puppets():
    sim = cp.Simulation(SCENARIO)
    sim.run()
    assert sim.population.clicks.shape[0] == 55  # 50 organic users, then 5 puppets
    slates = sim.last_slates
    assert (slates[50:] >= 0).all()  # puppets have a session every step
    frame = sim.metrics
    assert "puppets_top_harmful_share" in frame.columns


def test_keys_and_metrics_are_listed():
    blocks = cp.sock_puppets()
    assert [p["name"] for p in blocks["sock_puppets[i]"]["params"]] == ["name", "n"]
    script_keys = [p["name"] for p in blocks["sock_puppets[i].script[j]"]["params"]]
    assert script_keys == ["from_step", "choose", "label", "otherwise", "items"]
    metrics = cp.metrics()
    puppets = metrics[metrics["plugin"] == "sock_puppets"]
    assert "puppets_<group>_harmful_share" in set(puppets["metric"])


def test_bad_block_names_the_key():
    bad = dict(SCENARIO, sock_puppets=[{"name": "a", "n": 2, "script": [{"from_step": 0, "choose": "label",
                                                                         "label": "extremists"}]}])
    with pytest.raises(cp.ScenarioError) as info:
        cp.run(bad, progress=False)
    assert "label" in str(info.value) and "extremists" in str(info.value)
    late = dict(SCENARIO, sock_puppets=[{"name": "a", "n": 2, "script": [
        {"from_step": 0, "choose": "top"}, {"from_step": 6, "choose": "least_extreme"}]}])
    with pytest.raises(cp.ScenarioError) as info:
        cp.run(late, progress=False)
    assert "from_step" in str(info.value) and "steps: 6" in str(info.value)
