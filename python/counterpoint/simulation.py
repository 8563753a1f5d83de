"""One arm of one replicate, stepped by hand, with zero-copy views of engine state."""

import types

import pandas as pd

from . import _core
from .frames import frame
from .privacy import require_raw_access
from .run import progress_bar
from .scenario import load_scenario

__all__ = ["Simulation", "Catalog"]

CATALOG_ARRAYS = ("embeddings", "labels", "extremity", "harm_score", "creator", "topic", "upload_step", "parent",
                  "extremity_direction")
POPULATION_ARRAYS = ("interest", "estimate", "susceptibility", "appetite", "receptivity", "session_prob", "history",
                     "history_step", "history_head", "history_count", "sessions", "impressions", "clicks")
ITEM_STATUS_NAMES = ["pending", "live", "removed", "blocked"]


class Catalog:
    """The item catalog. Every array is a read-only numpy view of the engine's buffer
    (no copy); it stays valid after the Simulation is deleted.

    ``embeddings`` (n x dim, unit norm, float32), ``labels`` (uint8 codes into
    ``label_names``), ``extremity``, ``harm_score``, ``creator``, ``topic``,
    ``upload_step``, ``parent``, ``extremity_direction``.
    """

    def __init__(self, core):
        self._core = core
        self.label_names = _core.label_names()

    size = property(lambda self: self._core.size)
    dim = property(lambda self: self._core.dim)
    n_topics = property(lambda self: self._core.n_topics)

    def __getattr__(self, name):
        if name in CATALOG_ARRAYS:
            return self._core.array(name)
        raise AttributeError(name)

    def ids(self):
        return self._core.ids()

    def attributes(self):
        """Per-item attributes as a DataFrame (label as a categorical)."""
        cols = {n: self._core.array(n) for n in ("labels", "extremity", "harm_score", "creator", "topic",
                                                 "upload_step", "parent")}
        df = frame(cols, categories={"labels": self.label_names})
        return df.rename(columns={"labels": "label"})


class Simulation:
    """One arm of one replicate of a scenario, stepped by hand.

    Same world, population, seed and plug-ins as :func:`counterpoint.run` builds for
    that arm and replicate, so stepping through all steps gives the same metrics.

    Zero-copy numpy views (they keep the simulation alive, ``del sim`` is safe):
    ``catalog.*`` (read-only), ``population.*`` (traits read-only; interest,
    estimate, history and counters writable: the engine's live state), ``items.*``
    (status, clicks, impressions: read-only) and ``last_slates`` /
    ``last_provenance`` (n_users x slate_size, -1 for users without a session; read-only).
    """

    def __init__(self, scenario, arm=None, replicate=0, overrides=None):
        self.scenario = load_scenario(scenario, overrides)
        self._core = _core.Simulation(self.scenario._core, arm or "", replicate)
        self.catalog = Catalog(self._core.catalog)

    arm = property(lambda self: self._core.arm)
    replicate = property(lambda self: self._core.replicate)
    seed = property(lambda self: self._core.seed)
    columns = property(lambda self: self._core.columns)
    steps = property(lambda self: self._core.steps)
    n_users = property(lambda self: self._core.n_users)

    @property
    def next_step(self):
        """Steps done so far (the next step's index)."""
        return self._core.next_step

    def step(self, n=1, progress=None):
        """Runs n steps (GIL released; Ctrl-C stops between steps, the state is the last full step).

        ``progress``: True draws a bar (as in :func:`counterpoint.run`), False or None
        none, or a callable ``(done, total)`` called at each step boundary.
        """
        close = lambda: None  # noqa: E731
        if progress is True:
            progress, close = progress_bar()
        elif progress is False:
            progress = None
        try:
            self._core.step(n, progress)
        finally:
            close()
        return self

    def run(self, progress=None):
        """Runs the remaining steps of the scenario."""
        return self.step(self.steps - self.next_step, progress)

    @property
    def population(self):
        require_raw_access("reading per-user state (Simulation.population)")
        return types.SimpleNamespace(**{n: self._core.population_array(n) for n in POPULATION_ARRAYS})

    @property
    def items(self):
        return types.SimpleNamespace(status=self._core.item_array("status"), clicks=self._core.item_array("clicks"),
                                     impressions=self._core.item_array("impressions"),
                                     status_names=ITEM_STATUS_NAMES)

    @property
    def last_slates(self):
        require_raw_access("reading per-user slates (Simulation.last_slates)")
        return self._core.last_slates()

    @property
    def last_provenance(self):
        require_raw_access("reading per-user slates (Simulation.last_provenance)")
        return self._core.last_provenance()

    @property
    def metrics(self):
        """metrics.csv rows of the steps done so far (a snapshot)."""
        rows = self._core.metric_rows()
        n = rows.shape[0]
        df = pd.DataFrame({"step": range(n), "arm": [self.arm] * n, "replicate": self.replicate,
                           "seed": pd.array([self.seed] * n, dtype="uint64")})
        return pd.concat([df, pd.DataFrame(rows, columns=self.columns)], axis=1)

    def __repr__(self):
        return f"Simulation({self.scenario.name!r}, arm={self.arm!r}, step {self.next_step}/{self.steps})"
