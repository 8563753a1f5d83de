"""run(): DataFrames with the CLI files' columns and values; dict and file scenarios; overrides."""
import io
import subprocess

import numpy as np
import pandas as pd
import pytest

import counterpoint as cp
from conftest import small_world


def _same_as_csv(df, csv_text):
    expected = pd.read_csv(io.StringIO(csv_text))
    assert list(df.columns) == list(expected.columns)
    assert len(df) == len(expected)
    for col in expected.columns:
        got, want = df[col], expected[col]
        if isinstance(got.dtype, pd.Int64Dtype):  # nullable integers: missing is an empty CSV field
            got = got.astype("float64")
        if got.dtype == "category":  # labels: an empty CSV field reads as NaN
            assert got.astype(str).tolist() == want.fillna("").astype(str).tolist(), col
        elif want.dtype.kind in "fc" or got.dtype.kind == "f":
            # the CSV has 9 significant digits
            np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float), rtol=2e-8, atol=1e-12,
                                       equal_nan=True, err_msg=col)
        else:
            assert got.astype(str).tolist() == want.astype(str).replace("nan", "<NA>").tolist(), col


def test_metrics_frame_has_metrics_csv_columns_and_values():
    res = cp.run(small_world(), progress=False)
    m = res.metrics
    assert list(m.columns[:4]) == ["step", "arm", "replicate", "seed"]
    assert len(m) == 2 * 6
    assert m["arm"].dtype == "category" and list(m["arm"].cat.categories) == ["engagement", "relevance"]
    _same_as_csv(m, res._core.metrics_csv())


def test_event_logs_have_the_csv_columns_and_values():
    res = cp.run(small_world(output={"events": True}), progress=False)
    imp = res.impressions
    assert list(imp.columns) == ["step", "arm", "replicate", "user", "item", "position", "source", "organisation",
                                 "clicked", "dismissed"]
    assert len(imp) > 0
    _same_as_csv(imp, res._core.impressions_csv())
    mod = res.moderation
    assert list(mod.columns) == ["step", "arm", "replicate", "item", "event", "channel", "latency_steps"]
    _same_as_csv(mod, res._core.moderation_csv())


def test_summary_and_metrics_summary():
    res = cp.run(small_world(replicates=2), progress=False)
    assert set(res.summary["arms"]) == {"engagement", "relevance"}
    sf = res.summary_frame
    col = res.columns[0]
    final = res.metrics[res.metrics.step == 5]
    assert sf[(sf.arm == "relevance") & (sf.metric == col)]["mean"].item() == pytest.approx(
        final[final.arm == "relevance"][col].mean(), rel=1e-12)
    cmp = res.comparisons
    assert set(cmp.arm) == {"relevance"} and set(cmp.control) == {"engagement"}
    # the paired difference of the means, recomputed
    d = cmp[cmp.metric == col]["diff"].item()
    want = final[final.arm == "relevance"][col].mean() - final[final.arm == "engagement"][col].mean()
    assert d == pytest.approx(want, rel=1e-9, abs=1e-15)
    ms = res.metrics_summary
    assert list(ms.columns) == ["step", "arm", "metric", "mean", "ci95_low", "ci95_high", "n"]
    # the mean over replicates of one metric, recomputed from the metrics frame
    col = res.columns[0]
    m = res.metrics
    want = m[(m.step == 5) & (m.arm == "relevance")][col].mean()
    got = ms[(ms.step == 5) & (ms.arm == "relevance") & (ms.metric == col)]["mean"].item()
    assert got == pytest.approx(want, rel=1e-8, abs=1e-12)


def test_file_scenario_overrides_and_arm_selection(root):
    sc = cp.load_scenario(root / "scenarios" / "rabbit_hole.yaml",
                          overrides={"population.n_users": 200, "steps": 3, "replicates": 1},
                          arms=["relevance", "engagement"])
    assert sc.arms == ["relevance", "engagement"] and sc.steps == 3 and sc.n_users == 200
    sc2 = sc.with_overrides(steps=2)
    assert sc2.steps == 2 and sc.steps == 3 and sc2.n_users == 200
    assert sc2.resolved["steps"] == 2


def test_write_produces_the_cli_files(tmp_path):
    res = cp.run(small_world(), progress=False)
    res.write(tmp_path)
    for f in ("metrics.csv", "summary.json", "metrics_summary.csv", "manifest.json"):
        assert (tmp_path / f).is_file()
    _same_as_csv(res.metrics, (tmp_path / "metrics.csv").read_text())
    # a second write onto the result is refused, naming it, and leaves it as it was
    manifest = (tmp_path / "manifest.json").read_text()
    with pytest.raises(cp.ScenarioError, match="already holds a result.*overwrite=True"):
        res.write(tmp_path)
    assert (tmp_path / "manifest.json").read_text() == manifest
    res.write(tmp_path, overwrite=True)
    assert (tmp_path / "manifest.json").is_file()


def test_same_metrics_as_the_cli(tmp_path, root):
    """The Python run and `counterpoint run` on the same file give the same metrics.csv."""
    cli = root / "build" / "cli" / "counterpoint"
    if not cli.exists():
        pytest.skip("no CLI build")
    scen = root / "scenarios" / "rabbit_hole.yaml"
    sets = ["population.n_users=150", "steps=3", "replicates=1", "catalog.n_items=3000"]
    subprocess.run([str(cli), "run", str(scen), "--quiet", "--out", str(tmp_path), "--arms", "engagement,relevance",
                    *sum((["--set", s] for s in sets), [])], check=True, capture_output=True)
    res = cp.run(scen, overrides=sets, arms=["engagement", "relevance"], progress=False)
    assert res._core.metrics_csv() == (tmp_path / "metrics.csv").read_text()


def test_shipped_scenarios_run_by_name_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    listed = cp.scenarios()
    assert {"rabbit_hole", "ngo_reach", "recfluence_audit"} <= set(listed.index)
    assert listed.loc["rabbit_hole", "description"].startswith("Engagement ranking")
    res = cp.run("rabbit_hole", overrides={"population.n_users": 150, "steps": 2, "replicates": 1}, progress=False)
    assert res.arms == cp.load_scenario(listed.loc["rabbit_hole", "path"]).arms
    # a miss names the path it looked for, the current directory and the shipped names
    with pytest.raises(FileNotFoundError) as info:
        cp.load_scenario("rabit_hole")
    msg = str(info.value)
    assert str(tmp_path / "rabit_hole") in msg and f"current directory {tmp_path}" in msg and "rabbit_hole" in msg


def test_version_seed_and_a_progress_bar_from_python():
    # the version `counterpoint --version` prints
    assert cp.__version__ and cp.__version__ == cp._core.__version__
    # seed= is the scenario's seed key: the same as the override, different from the default
    sc = small_world(replicates=1, steps=2)
    by_arg = cp.run(sc, seed=12345, progress=False).metrics
    by_override = cp.run(sc, overrides={"seed": 12345}, progress=False).metrics
    pd.testing.assert_frame_equal(by_arg, by_override, check_exact=True)
    assert not by_arg.equals(cp.run(sc, progress=False).metrics)
    # sim.step(progress=True) draws a bar as cp.run does, and steps as without one
    calls = []
    sim = cp.Simulation(sc)
    sim.step(1, progress=True)
    sim.step(1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)] and sim.next_step == 2


def test_arm_columns_are_categoricals_in_the_scenarios_order():
    # arms listed so that the scenario's order is not the alphabetical one
    res = cp.run(small_world(arms=[{"name": "zeta"}, {"name": "alpha", "ranker": {"type": "relevance"}}],
                             replicates=2, steps=2), progress=False)
    assert res.arms == ["zeta", "alpha"]
    for name in ("metrics", "metrics_summary", "summary_frame", "comparisons"):
        df = getattr(res, name)
        assert isinstance(df["arm"].dtype, pd.CategoricalDtype), name
        assert list(df["arm"].cat.categories) == ["zeta", "alpha"], name
    assert list(res.comparisons["control"].cat.categories) == ["zeta", "alpha"]


def test_scenario_fields_show_in_tab_completion():
    names = dir(cp.load_scenario(small_world()))
    for field in ("name", "steps", "replicates", "seed", "arms", "control", "n_users", "output_dir", "description",
                  "with_overrides", "resolved"):
        assert field in names, field


def test_the_progress_bar_stays_in_a_notebook(monkeypatch):
    import sys

    import tqdm.std
    run_module = sys.modules["counterpoint.run"]
    in_notebook = run_module._in_notebook
    made = []

    class Bar:
        def __init__(self, **kwargs):
            made.append(kwargs)
            self.n = 0

        def update(self, k):
            self.n += k

        def close(self):
            pass

    monkeypatch.setattr(tqdm.std, "tqdm", Bar)
    for notebook in (False, True):
        monkeypatch.setattr(run_module, "_in_notebook", lambda: notebook)
        update, close = run_module.progress_bar()
        update(1, 2)
        update(2, 2)
        close()
    # cleared in a terminal, kept in Jupyter (without ipywidgets: the text bar)
    assert [m["leave"] for m in made] == [False, True] and all(m["total"] == 2 for m in made)
    assert not in_notebook()  # pytest is no Jupyter kernel


def test_frames_hold_booleans_as_booleans():
    res = cp.run(small_world(replicates=2, observers=[{"type": "exposure"}, {"type": "counter_narrative_reach"}]),
                 progress=False)
    gaps = res.coverage_gaps
    assert gaps.covered.dtype == bool
    text = res._core.coverage_gaps_csv()
    assert gaps.covered.tolist() == [v == "yes" for v in pd.read_csv(io.StringIO(text)).covered]
    # distinguishable_after_holm is a nullable boolean: NA where no test was possible
    cmp = res.comparisons
    assert cmp.distinguishable_after_holm.dtype == "boolean"
    na = cmp[cmp.p_holm.isna()]
    assert na.distinguishable_after_holm.isna().all()
    assert not cmp[cmp.p_holm.notna()].distinguishable_after_holm.isna().any()
    assert cp.label_names()[:2] == ["mainstream", "borderline"] and "news_reporting" in cp.label_names()


def test_mean_ci_is_the_summaries_interval():
    import math
    res = cp.run(small_world(replicates=3), progress=False)
    final = res.metrics[(res.metrics.step == 5) & (res.metrics.arm == "relevance")]
    sf = res.summary_frame.set_index(["arm", "metric"])
    for metric, kind in (("harmful_exposure_share", "share"), ("clicks_per_session", "level")):
        got = cp.mean_ci(final[metric], kind=kind)
        want = sf.loc[("relevance", metric)]
        assert got["n"] == 3
        for key in ("mean", "ci95_low", "ci95_high"):
            assert got[key] == pytest.approx(want[key], rel=1e-12), (metric, key)
    # by hand: {1, 2, 3} has mean 2 and half-width t_{0.975,2} / sqrt(3)
    t2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)
    hand = cp.mean_ci([1, 2, 3])
    assert hand["ci95_low"] == pytest.approx(2 - t2 / math.sqrt(3), rel=1e-12)
    assert math.isnan(cp.mean_ci([0.5])["ci95_low"])
    with pytest.raises(ValueError, match="valid: share, level, signed"):
        cp.mean_ci([1, 2], kind="proportion")
