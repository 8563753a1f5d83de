"""counterpoint: simulate recommender rabbit holes and test interventions against them.

    import counterpoint as cp
    result = cp.run("rabbit_hole", overrides={"population.n_users": 2000})  # a shipped scenario, or a path
    cp.scenarios()          # the shipped scenarios
    cp.metrics()            # every metric column, its kind, unit and definition
    result.metrics          # metrics.csv as a DataFrame

See docs/python.md for the whole API.
"""

import os as _os


def _prefer_passive_wait():
    """Before the engine loads libgomp: the wait policy the CLI chooses (docs/cluster.md, "Shared
    machines"), unless the environment sets one or libgomp is already loaded (numpy loads it
    through OpenBLAS: then set OMP_WAIT_POLICY=passive before starting Python)."""
    if "OMP_WAIT_POLICY" in _os.environ or "GOMP_SPINCOUNT" in _os.environ:
        return
    try:
        with open("/proc/self/maps") as maps:
            if any("libgomp" in line for line in maps):
                return
    except OSError:
        return
    _os.environ["OMP_WAIT_POLICY"] = "passive"


_prefer_passive_wait()

from . import _core, privacy  # noqa: E402
from .cost import predict_cost
from .errors import AccessDeniedError, CounterpointError, MissingFileError, ScenarioError
from .graph import AuditResult, GraphAudit, RewireResult
from .plugins import (Intervention, Ranker, interventions, label_names, metrics, observers, rankers,
                      register_intervention, register_ranker, retrievers, sock_puppets)
from .run import Result, mean_ci, run
from .scenario import Scenario, load_scenario, scenarios
from .simulation import Catalog, Simulation
from .sweep import sweep

__version__ = _core.__version__  # the engine's version, as `counterpoint --version` prints it

__all__ = [
    "AccessDeniedError", "AuditResult", "Catalog", "CounterpointError", "GraphAudit", "Intervention",
    "MissingFileError", "Ranker", "Result", "RewireResult", "Scenario", "ScenarioError", "Simulation",
    "interventions", "label_names", "load_scenario", "mean_ci", "metrics", "observers", "predict_cost", "privacy", "rankers", "register_intervention",
    "register_ranker", "retrievers", "run", "scenarios", "set_threads", "sock_puppets", "sweep",
]


def set_threads(n):
    """OpenMP threads for the engine (results do not depend on it)."""
    _core.set_threads(int(n))
