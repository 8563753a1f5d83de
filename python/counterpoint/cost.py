"""What a run will cost before it starts: the CLI's ``counterpoint run --dry-run`` from Python."""
from . import _core
from .scenario import load_scenario


def predict_cost(scenario, overrides=None, arms=None, base_dir=None):
    """Predicts a run's seconds per step and peak memory on this machine, without running it.

    ``scenario``, ``overrides``, ``arms`` and ``base_dir`` are as for :func:`load_scenario`.
    It runs a short calibration (the scenario at 8,192 users and 20,000 items, 3 steps of each
    arm, twice; a few seconds) at the thread count :func:`set_threads` chose, and scales it to
    the full size (docs/scenarios.md, "Cost"). Returns a dict:

    - ``seconds_per_step``: predicted, the mean over the arms; ``run_seconds``: all steps of
      all arms and replicates (index builds not counted);
    - ``peak_bytes``: the memory estimate plus this process's own (``program_bytes``);
      ``memory``: the estimate by part (bytes);
    - ``arms``: per arm, ``calibration_seconds_per_step``, ``search_share`` (inside FAISS
      search) and ``seconds_per_step``;
    - ``calibration``: ``users``, ``items``, ``steps``, ``index``; ``user_ratio`` and
      ``search_work_ratio``: the factors it scaled by.

    A world of platforms (docs/crisis.md) is calibrated on its own (docs/scenarios.md,
    "Cost"): each arm runs at a quarter and an eighth of its uploads (less when they are
    many) and without uploads, every step. Then ``arms`` holds, per arm,
    ``calibration_seconds``, ``calibration_uploads``, ``fixed_seconds``, ``exponent``,
    ``uploads`` and ``seconds`` (predicted per run); ``memory`` the upload logs, the running
    world, the database's unrelated hashes, the simulated audiences (their catalogs and the
    largest arm's simulations, counted as for a single-platform run) and the output tables'
    text; and ``calibration``
    the larger calibration's ``scale``.

    Raises ScenarioError for bad input and for what is not predicted (a catalog whose size
    is known only once loaded).
    """
    sc = load_scenario(scenario, overrides=overrides, arms=arms, base_dir=base_dir)
    kind, source, bdir, ovr, arm_list = sc._origin
    return _core.predict_cost(sc._core, kind, source, bdir or "", list(ovr), list(arm_list or []))
