"""Python rankers and interventions in the engine's registries, usable from YAML by name."""
import numpy as np
import pandas as pd
import pytest

import counterpoint as cp
from conftest import small_world


@cp.register_intervention("py_demote_harmful")
class PyDemoteHarmful(cp.Intervention):
    """demote_harmful in numpy (recommender/interventions/demote_harmful.cc), one call per batch."""

    columns = ["dh_demoted_share", "dh_demoted_harmful_share", "dh_demoted_news_share"]
    columns_zero_when_absent = ["dh_demoted_share"]
    column_kinds = {c: "share" for c in columns}

    def __init__(self, threshold=0.5, weight=1.0):
        self.threshold, self.weight = threshold, weight
        self.calls = 0

    def init(self, ctx):
        arrays = ctx["catalog_arrays"]
        self.harm = arrays["harm_score"].astype(np.float64)
        self.n_items = ctx["n_items"]

    def begin_step(self, ctx):
        self.counts = np.zeros(2, dtype=np.int64)
        self.demoted = np.zeros(self.n_items, dtype=np.int64)  # per item, measured in write_metrics

    def on_scores(self, ctx, batch):
        self.calls += 1
        ids = batch.cand_ids
        filled = ids >= 0
        h = self.harm[np.where(filled, ids, 0)]
        # the same double arithmetic, rounded to float32, subtracted in float32
        penalty = np.where(h > self.threshold, self.weight * (h - self.threshold) / (1 - self.threshold), 0.0)
        hit = filled & (penalty > 0)
        batch.cand_score[hit] -= penalty[hit].astype(np.float32)
        self.counts += [filled.sum(), hit.sum()]
        self.demoted += np.bincount(ids[hit], minlength=self.n_items)

    def write_metrics(self, ctx):
        # the collateral, measured on the ground truth (given here only)
        labels = ctx.truth["labels"]
        harmful = (labels == 1) | (labels == 2)  # borderline, extremist
        cand, dem = self.counts
        harm, news = self.demoted[harmful].sum(), self.demoted[labels == 4].sum()
        nan = float("nan")
        return [dem / cand if cand else nan, harm / dem if dem else nan, news / dem if dem else nan]


@cp.register_ranker("py_relevance")
class PyRelevance(cp.Ranker):
    """The relevance ranker in numpy: score = inner product, empty slots -inf."""

    def score(self, ctx, batch):
        batch.cand_score[:] = np.where(batch.cand_ids < 0, np.float32(-np.inf), batch.cand_sim)


def _arms(kind):
    base = {"name": "demoted", "interventions": [{"type": kind, "threshold": 0.4, "weight": 2.0}]}
    return [{"name": "engagement"}, base]


def test_python_intervention_is_bit_identical_to_cpp():
    cpp_run = cp.run(small_world(arms=_arms("demote_harmful")), progress=False)
    py_run = cp.run(small_world(arms=_arms("py_demote_harmful")), progress=False)
    cpp, py = cpp_run.metrics, py_run.metrics
    assert list(cpp.columns) == list(py.columns)
    pd.testing.assert_frame_equal(cpp, py, check_exact=True)
    # declared shares like the built-in's: the same kinds, so the same intervals
    assert cpp_run.summary["metric_kinds"] == py_run.summary["metric_kinds"]
    pd.testing.assert_frame_equal(cpp_run.summary_frame, py_run.summary_frame, check_exact=True)
    # the demotion acted: the demoted arm differs from the engagement arm
    d = cpp[cpp.arm == "demoted"]
    assert (d["dh_demoted_share"] > 0).all()


def test_python_ranker_is_bit_identical_to_cpp():
    arms = [{"name": "rel", "ranker": {"type": "relevance"}}]
    cpp = cp.run(small_world(arms=arms), progress=False).metrics
    arms = [{"name": "rel", "ranker": {"type": "py_relevance"}}]
    py = cp.run(small_world(arms=arms), progress=False).metrics
    pd.testing.assert_frame_equal(cpp, py, check_exact=True)


def test_one_call_per_batch_not_per_user():
    calls = []

    @cp.register_intervention("py_count_calls")
    class CountCalls(cp.Intervention):
        def on_scores(self, ctx, batch):
            calls.append((ctx.step, batch.n))

    sim = cp.Simulation(small_world(batch_size=100, arms=[{"name": "a", "interventions": [{"type": "py_count_calls"}]}]))
    sim.step(3)
    # per step: ceil(active users / 100) calls, covering each active user once
    steps = [c[0] for c in calls]
    assert sorted(set(steps)) == [0, 1, 2]
    for t in range(3):
        sizes = [n for s, n in calls if s == t]
        assert all(n == 100 for n in sizes[:-1]) and 0 < sizes[-1] <= 100
    assert len(calls) < 3 * 300 / 10


def test_an_intervention_sees_what_the_platform_sees():
    seen = {}

    @cp.register_intervention("py_looks_for_truth")
    class Looks(cp.Intervention):
        columns = ["looks_harmful_clicked"]

        def init(self, ctx):
            seen["arrays"] = sorted(ctx["catalog_arrays"])
            seen["declared"] = ctx["catalog_arrays"]["partner_counter_narrative"].copy()

        def on_feedback(self, ctx, batch, choices):
            try:
                ctx.truth
            except AttributeError as e:
                seen["refusal"] = str(e)

        def write_metrics(self, ctx):
            labels = ctx.truth["labels"]
            seen["truth_labels"] = labels.copy()
            assert not labels.flags.writeable
            return [0.0]

    sim = cp.Simulation(small_world(arms=[{"name": "a", "interventions": [{"type": "py_looks_for_truth"}]}]))
    sim.step()
    # no label or extremity among the arrays an intervention is given
    assert seen["arrays"] == ["creator", "embeddings", "harm_score", "partner_counter_narrative", "topic",
                              "upload_step"]
    # the truth is refused while it acts, named as measurement only
    assert "write_metrics only" in seen["refusal"]
    # and given when it measures: the catalog's own labels; partners declare exactly the counter-narratives
    catalog_labels = sim.catalog.labels
    np.testing.assert_array_equal(seen["truth_labels"], catalog_labels)
    cn = sim.catalog.label_names.index("counter_narrative")
    assert (catalog_labels == cn).any()
    np.testing.assert_array_equal(seen["declared"], catalog_labels == cn)


def test_plugin_parameters_are_validated_like_builtins():
    with pytest.raises(cp.ScenarioError) as info:
        cp.load_scenario(small_world(arms=[{"name": "a", "interventions": [{"type": "py_demote_harmful",
                                                                              "treshold": 0.3}]}]))
    assert "treshold" in str(info.value) and info.value.line is not None
    with pytest.raises(cp.ScenarioError):
        cp.load_scenario(small_world(arms=[{"name": "a", "interventions": [{"type": "py_demote_harmful",
                                                                              "weight": "heavy"}]}]))
    spec = cp.interventions()["py_demote_harmful"]
    assert [(p["name"], p["type"]) for p in spec["params"]] == [("threshold", "double"), ("weight", "double")] or \
        [p["name"] for p in spec["params"]] == ["threshold", "weight"]


def test_batch_views_are_scoped_to_the_call():
    kept = []

    @cp.register_intervention("py_keeps_batch")
    class Keep(cp.Intervention):
        def on_slate(self, ctx, batch):
            assert batch.slate.flags.writeable and not batch.cand_score.flags.writeable
            kept.append(batch)

    sim = cp.Simulation(small_world(arms=[{"name": "a", "interventions": [{"type": "py_keeps_batch"}]}]))
    sim.step()
    with pytest.raises(ValueError, match="only during"):
        kept[0].slate


def test_builtin_names_are_refused_and_python_names_replaced():
    with pytest.raises(ValueError, match="built-in"):
        cp.register_intervention("demote_harmful", PyDemoteHarmful)

    @cp.register_ranker("py_tmp")
    class A(cp.Ranker):
        def score(self, ctx, batch):
            batch.cand_score[:] = 0

    @cp.register_ranker("py_tmp")
    class B(cp.Ranker):
        def score(self, ctx, batch):
            batch.cand_score[:] = 1

    assert "py_tmp" in cp.rankers()


def test_exception_in_a_hook_propagates():
    @cp.register_intervention("py_fails")
    class Fails(cp.Intervention):
        def on_candidates(self, ctx, batch):
            raise RuntimeError("boom at step %d" % ctx.step)

    with pytest.raises(RuntimeError, match="boom at step 0"):
        cp.run(small_world(arms=[{"name": "a", "interventions": [{"type": "py_fails"}]}]), progress=False)


def test_a_plugin_writing_nan_or_a_bad_id_is_named():
    @cp.register_intervention("py_writes_nan")
    class WritesNan(cp.Intervention):
        def on_scores(self, ctx, batch):
            batch.cand_score[0, 1] = np.nan

    @cp.register_intervention("py_writes_bad_id")
    class WritesBadId(cp.Intervention):
        def on_slate(self, ctx, batch):
            batch.slate[0, 0] = 10**9

    with pytest.raises(cp.ScenarioError,
                       match=r"intervention 0 'py_writes_nan' \(arm 'a', step 0\).*NaN .*candidate 1 "):
        cp.run(small_world(arms=[{"name": "a", "interventions": [{"type": "py_writes_nan"}]}]), progress=False)
    with pytest.raises(cp.ScenarioError,
                       match=r"intervention 0 'py_writes_bad_id' \(arm 'a', step 0\).*item id 1000000000"):
        cp.run(small_world(arms=[{"name": "a", "interventions": [{"type": "py_writes_bad_id"}]}]), progress=False)


def test_a_bad_write_into_the_population_is_named():
    sim = cp.Simulation(small_world())
    sim.step()
    interest = sim.population.interest
    row = interest[3].copy()
    interest[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"population\.interest\[3, 0\] breaks a rule before step 1.*finite"):
        sim.step()
    interest[3] = 2 * row
    with pytest.raises(ValueError, match=r"population\.interest\[3\] .*unit norm"):
        sim.step()
    interest[3] = row
    sim.population.history[5, 0] = -7
    with pytest.raises(ValueError, match=r"population\.history\[5, 0\] .*-1 \(empty\) or an item id"):
        sim.step()
    sim.population.history[5, 0] = -1
    sim.step()  # repaired: steps again


def test_plugin_defaults_have_their_types():
    def defaults(spec):
        return {p["name"]: p["default"] for p in spec["params"]}

    demote = defaults(cp.interventions()["demote_harmful"])
    assert demote == {"threshold": 0.5, "weight": 1.0} and isinstance(demote["threshold"], float)
    moderation = cp.interventions()["moderation"]
    for p in moderation["params"]:
        want = {"integer": int, "number": float, "boolean": bool, "string": str, "list of integers": list}[p["type"]]
        assert type(p["default"]) is want, p
    cn = defaults(cp.interventions()["counter_narrative_injection"])
    assert cn["slots"] == [1] and cn["organisations"] == [] and cn["window"] == 5 and cn["trigger"] == "harm_share"


def test_metrics_lists_every_column_with_its_kind():
    m = cp.metrics()
    assert list(m.columns) == ["metric", "plugin", "plugin_kind", "kind", "unit", "definition", "default"]
    row = m.set_index("metric").loc["rabbit_hole_share"]
    assert (row.plugin, row.plugin_kind, row.kind, row.unit, bool(row.default)) == (
        "rabbit_hole", "observer", "share", "share of users", True)
    assert m.set_index("metric").loc["extremity_mean"].kind == "signed"
    assert m.set_index("metric").loc["mod_removed_total"].plugin == "moderation"
    assert not m.set_index("metric").loc["slate_similarity"].default  # slate_diversity is not a default observer
    assert (m.definition != "").all() and (m.unit != "").all()
    assert set(m.kind) == {"share", "level", "signed"}
    # a Python intervention's columns with their declared kinds (undeclared: level)
    assert m[m.plugin == "py_demote_harmful"].set_index("metric").kind.to_dict() == {
        "dh_demoted_share": "share", "dh_demoted_harmful_share": "share", "dh_demoted_news_share": "share"}
    assert "rabbit_hole" in cp.observers() and cp.observers()["rabbit_hole"]["default"]
    assert not cp.observers()["counter_narrative_reach"]["default"]
    assert {"faiss", "random"} <= set(cp.retrievers())
    # a world of platforms' columns, overall and per platform
    world = m[m.plugin_kind == "world"].set_index("metric")
    assert world.loc["within_hour_share"].kind == "share" and world.loc["notices"].kind == "level"
    assert world.loc["blocked_share@<platform>"].definition.endswith("on that platform")


def test_a_declared_share_outside_zero_one_is_named():
    @cp.register_intervention("py_bad_share")
    class BadShare(cp.Intervention):
        columns = ["bad_share", "fine_level"]
        column_kinds = {"bad_share": "share"}

        def write_metrics(self, ctx):
            return [1.5, 1.5]

    with pytest.raises(cp.ScenarioError, match=r"intervention 'py_bad_share' \(arm 'a', replicate 0, step 0\).*"
                                               r"'bad_share' is declared a share but is 1\.5"):
        cp.run(small_world(arms=[{"name": "a", "interventions": [{"type": "py_bad_share"}]}]), progress=False)
    with pytest.raises(ValueError, match=r"column_kinds\['x'\].*valid: share, level, signed"):
        @cp.register_intervention("py_bad_kind")
        class BadKind(cp.Intervention):
            columns = ["x"]
            column_kinds = {"x": "proportion"}


def test_the_manifest_traces_a_python_plugin_to_its_source(tmp_path):
    import hashlib
    import inspect
    import json

    result = cp.run(small_world(arms=_arms("py_demote_harmful")), progress=False)
    result.write(tmp_path / "run")
    plugins = json.loads((tmp_path / "run" / "manifest.json").read_text())["plugins"]
    py = [p for p in plugins if p["type"] == "py_demote_harmful"]
    assert len(py) == 1
    want = hashlib.sha256(inspect.getsource(PyDemoteHarmful).encode()).hexdigest()
    assert py[0] == {"kind": "intervention", "type": "py_demote_harmful", "origin": "python",
                     "module": PyDemoteHarmful.__module__, "qualname": "PyDemoteHarmful", "file": __file__,
                     "source_sha256": want, "source_of": "class"}
    assert {"kind": "ranker", "type": "engagement", "origin": "built-in"} in plugins
    assert {"kind": "observer", "type": "rabbit_hole", "origin": "built-in"} in plugins

    # the same name with other code: another hash in the next run's manifest
    @cp.register_intervention("py_traced")
    class First(cp.Intervention):
        def begin_step(self, ctx):
            pass

    def traced_hash(directory):
        cp.run(small_world(arms=[{"name": "a", "interventions": [{"type": "py_traced"}]}]), progress=False).write(
            directory)
        entries = json.loads((directory / "manifest.json").read_text())["plugins"]
        return next(p["source_sha256"] for p in entries if p["type"] == "py_traced")

    first = traced_hash(tmp_path / "first")

    @cp.register_intervention("py_traced")
    class Second(cp.Intervention):
        def begin_step(self, ctx):
            self.seen = True

    assert traced_hash(tmp_path / "second") != first


def test_a_plugin_without_a_docstring_does_not_show_the_base_classes():
    @cp.register_intervention("py_no_doc")
    class NoDoc(cp.Intervention):
        pass

    assert cp.interventions()["py_no_doc"]["doc"] == ""
    assert cp.interventions()["py_demote_harmful"]["doc"].startswith("demote_harmful in numpy")
