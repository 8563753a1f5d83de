"""The plug-in conformance checks of tests/cpp/experiment/plugin_conformance_test.cc, for
plug-ins registered from Python: parameters listed with their types and validated like a
built-in's, bit-identical results on 1 and 2 threads, metric columns fixed from init to
the end of the run. (Checkpoints and MPI ranks are the CLI's, which runs no Python
plug-in: a Python plug-in is neither saved nor sharded.)"""
import numpy as np
import pandas as pd
import pytest

import counterpoint as cp
from conftest import small_world


@cp.register_ranker("conformance_py_ranker")
class ShrunkRelevance(cp.Ranker):
    """Relevance shrunk toward the item's click count (a Python ranker with parameters)."""

    def __init__(self, shrink=0.5, min_clicks=2):
        self.shrink, self.min_clicks = shrink, min_clicks

    def score(self, ctx, batch):
        clicks = np.asarray(ctx.item_clicks)
        ids = batch.cand_ids
        boost = (clicks[np.where(ids >= 0, ids, 0)] >= self.min_clicks) * np.float32(self.shrink)
        batch.cand_score[:] = np.where(ids < 0, np.float32(-np.inf), batch.cand_sim + boost.astype(np.float32))


@cp.register_intervention("conformance_py_intervention")
class CountSlots(cp.Intervention):
    """Counts filled slots; tries to change its columns after init (the engine keeps them)."""

    columns = ["cpy_slots", "cpy_steps"]

    def __init__(self, label="x", double_count=False):
        self.label, self.double_count = label, double_count
        self.steps = 0

    def begin_step(self, ctx):
        self.slots = 0
        self.columns = ["changed_after_init"]  # ignored: the columns were read at init

    def on_slate(self, ctx, batch):
        self.slots += int((batch.slate >= 0).sum()) * (2 if self.double_count else 1)

    def write_metrics(self, ctx):
        self.steps += 1
        return [self.slots, self.steps]


PLUGINS = [("ranker", "conformance_py_ranker", cp.rankers), ("intervention", "conformance_py_intervention",
                                                               cp.interventions)]


def scenario(kind, choice):
    if kind == "ranker":
        return small_world(arms=[{"name": "a", "ranker": choice}])
    return small_world(arms=[{"name": "a", "interventions": [choice]}])


@pytest.mark.parametrize("kind,name,listing", PLUGINS)
def test_parameters_are_listed_and_validated(kind, name, listing):
    spec = listing()[name]
    assert spec["doc"]
    names = [p["name"] for p in spec["params"]]
    assert names and all(names)
    cp.load_scenario(scenario(kind, {"type": name}))  # its defaults make a valid scenario
    with pytest.raises(cp.ScenarioError) as info:
        cp.load_scenario(scenario(kind, {"type": name, "no_such_parameter": 1}))
    assert "unknown key 'no_such_parameter'" in str(info.value) and names[0] in str(info.value)
    for key in names:
        with pytest.raises(cp.ScenarioError) as info:
            cp.load_scenario(scenario(kind, {"type": name, key: {"not": "a value"}}))
        assert key in str(info.value)


@pytest.mark.parametrize("kind,name,listing", PLUGINS)
def test_one_and_two_threads_give_identical_results(kind, name, listing):
    sc = scenario(kind, {"type": name})
    one = cp.run(sc, progress=False, threads=1).metrics
    two = cp.run(sc, progress=False, threads=2).metrics
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_columns_are_fixed_at_init():
    metrics = cp.run(scenario("intervention", {"type": "conformance_py_intervention"}), progress=False).metrics
    assert "cpy_slots" in metrics.columns and "changed_after_init" not in metrics.columns
    assert list(metrics["cpy_steps"]) == list(range(1, len(metrics) + 1))
    assert (metrics["cpy_slots"] > 0).all()
