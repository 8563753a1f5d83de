"""Parameter sweeps: a grid of overrides over one scenario, run in this process.

    import counterpoint as cp
    table = cp.sweep("scenarios/rabbit_hole.yaml", grid={"user_model.extremity_appeal": [0, 2, 4]},
                     sets={"replicates": 3}, out="runs/appeal_sweep")

The same plan, seeds and files as ``counterpoint sweep ... --jobs 1`` (docs/cluster.md).
"""

import io
import json
import os

import pandas as pd

from . import _core
from .errors import ScenarioError
from .run import progress_bar
from .scenario import Scenario, override_strings, scenario_path

__all__ = ["sweep", "grid_axis"]


def _scalar(v):
    """A grid value as the CLI's --grid writes it (a YAML scalar)."""
    if isinstance(v, str):
        return v
    return json.dumps(v.item() if hasattr(v, "item") else v)  # numbers, booleans (numpy scalars too)


def grid_axis(key, values):
    """``("a.b", [1, 2])`` -> ``"a.b=1,2"`` (the CLI's --grid argument)."""
    values = list(values)
    for v in values:
        if "," in _scalar(v):
            raise ScenarioError(f"grid value {v!r} of '{key}' contains a comma", f"grid[{key!r}]")
    return f"{key}=" + ",".join(_scalar(v) for v in values)


def sweep(scenario, grid, sets=None, arms=None, out=None, common_seeds=False, progress=True, threads=None):
    """Runs ``scenario`` at every point of ``grid``; returns sweep_results.csv as a DataFrame.

    ``scenario`` is a YAML file path (or a Scenario loaded from one: its file and
    overrides are used). ``grid`` maps a setting to its values, ``{"a.b": [v1, v2]}``;
    the grid is the product of the axes, the last varying fastest. ``sets`` are
    overrides applied at every point (a dict or ``key=value`` strings), ``arms`` the
    arms to run. ``out`` is the sweep directory (default: the scenario's output.dir +
    ``_sweep``): ``out/points/NNNN/`` holds each point's full run, ``out/sweep_results.csv``
    and ``out/sweep.json`` the results and the plan. Point p runs on a seed derived from
    the scenario's seed and p; ``common_seeds`` runs every point on the scenario's own
    seed. Calling it again resumes: finished points are skipped. Each point runs with
    the GIL released; Ctrl-C stops the sweep between two points (the finished ones are
    kept). ``progress``: True draws a bar over the points, False none, or a callable
    ``(done, total)``. The table has one row per point, arm and metric (the axis values,
    the final-step mean over replicates with its 95% CI, the paired difference from
    the control).
    """
    if isinstance(scenario, Scenario):
        kind, source, _, overrides, sc_arms = scenario._origin
        if kind != "file":
            raise ScenarioError("a sweep needs a scenario file (the points reload it); write the dict to YAML first",
                                "<dict>")
        path, base_sets, arms = source, list(overrides), arms if arms is not None else sc_arms
    elif isinstance(scenario, dict):
        raise ScenarioError("a sweep needs a scenario file (the points reload it); write the dict to YAML first",
                            "<dict>")
    else:
        path, base_sets = scenario_path(scenario), []  # a path, or a shipped scenario's name
    if not grid:
        raise ScenarioError("a sweep needs at least one grid axis", "grid")
    sets = base_sets + override_strings(sets)
    axes = [grid_axis(k, v) for k, v in grid.items()]
    plan = _core.plan_sweep(path, sets, list(arms or []), axes, bool(common_seeds))
    if out is None:
        out = _core.load_scenario(path, sets, []).output_dir + "_sweep"
    out = os.fspath(out)
    os.makedirs(out, exist_ok=True)
    if threads:
        _core.set_threads(int(threads))
    todo = [p.index for p in plan.points if not _core.sweep_point_finished(plan, p.index, out)]
    close = lambda: None  # noqa: E731
    if progress is True:
        callback, close = progress_bar("sweep points")
    elif progress is False or progress is None:
        callback = None
    else:
        callback = progress
    try:
        for done, index in enumerate(todo):
            _core.run_sweep_point(plan, index, out)
            if callback is not None:
                callback(done + 1, len(todo))
    finally:
        close()
    return pd.read_csv(io.StringIO(_core.write_sweep_results(plan, out)))
