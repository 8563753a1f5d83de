"""cp.sweep(): the same plan, runs and sweep_results.csv as `counterpoint sweep --jobs 1`; resume."""
import json
import subprocess

import pandas as pd
import pytest

import counterpoint as cp
from conftest import ROOT, small_world

CLI = ROOT / "build" / "cli" / "counterpoint"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    path = d / "small.yaml"
    path.write_text(json.dumps(small_world(steps=4)))  # JSON is YAML
    return path


def test_sweep_frame_equals_cli_sweep_results(scenario, tmp_path):
    if not CLI.exists():
        pytest.skip("the CLI is not built")
    grid = {"recommender.candidates": [20, 40], "user_model.extremity_appeal": [0, 2.5]}
    calls = []
    df = cp.sweep(scenario, grid=grid, sets={"replicates": 2}, out=tmp_path / "py", progress=lambda d, t: calls.append(
        (d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    cli = subprocess.run([str(CLI), "sweep", str(scenario), "--grid", "recommender.candidates=20,40", "--grid",
                          "user_model.extremity_appeal=0,2.5", "--set", "replicates=2", "--out",
                          str(tmp_path / "cli"), "--jobs", "1", "--quiet"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    want = pd.read_csv(tmp_path / "cli" / "sweep_results.csv")
    pd.testing.assert_frame_equal(df, want)
    # byte for byte the same files (results do not depend on threads)
    assert (tmp_path / "py" / "sweep_results.csv").read_bytes() == (tmp_path / "cli" / "sweep_results.csv").read_bytes()
    py_plan = json.loads((tmp_path / "py" / "sweep.json").read_text())
    cli_plan = json.loads((tmp_path / "cli" / "sweep.json").read_text())
    assert py_plan["points"] == cli_plan["points"]
    # 4 points x 2 arms x every metric; each point on its own seed
    assert len(df) % 8 == 0 and len(df) > 0
    assert len({p["seed"] for p in py_plan["points"]}) == 4


def test_sweep_resumes_skipping_finished_points(scenario, tmp_path):
    grid = {"recommender.candidates": [20, 40]}
    first = cp.sweep(scenario, grid=grid, out=tmp_path, progress=False)
    calls = []
    again = cp.sweep(scenario, grid=grid, out=tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert calls == []  # nothing left to run
    pd.testing.assert_frame_equal(first, again)
    # a point without its manifest (written last) is unfinished: only it runs again, to the same result
    (tmp_path / "points" / "0001" / "manifest.json").unlink()
    third = cp.sweep(scenario, grid=grid, out=tmp_path, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 1)]
    pd.testing.assert_frame_equal(first, third)


def test_common_seeds_and_bad_grid(scenario, tmp_path):
    cp.sweep(scenario, grid={"recommender.candidates": [20, 40]}, out=tmp_path, common_seeds=True, progress=False)
    plan = json.loads((tmp_path / "sweep.json").read_text())
    assert {p["seed"] for p in plan["points"]} == {7}  # the scenario's own seed
    with pytest.raises(cp.ScenarioError):
        cp.sweep(scenario, grid={"recommender.candidates": [20, -3]}, out=tmp_path / "bad", progress=False)
    with pytest.raises(cp.ScenarioError):
        cp.sweep(small_world(), grid={"recommender.candidates": [20]}, out=tmp_path / "bad", progress=False)
