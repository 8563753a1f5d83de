"""Running a scenario and reading its results as pandas DataFrames."""

import io
import json
import sys
from functools import cached_property

import pandas as pd

from . import _core
from .frames import frame
from .privacy import require_raw_access
from .scenario import Scenario, load_scenario, override_strings

__all__ = ["run", "Result", "progress_bar"]


def _in_notebook():
    """True inside a Jupyter kernel (IPython's ZMQ shell), False in a terminal or script."""
    shell = sys.modules.get("IPython") and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(total_desc="simulating"):
    """A progress callback ``(done, total)`` drawing a tqdm bar. In Jupyter the bar stays
    when the run ends (the record of how long it took), drawn as a widget when ipywidgets
    is installed and as text otherwise; in a terminal it is cleared."""
    try:
        from tqdm.std import tqdm
    except ImportError:  # no tqdm: no bar
        return None, lambda: None
    notebook = _in_notebook()
    # text bars in a notebook: each redraw is an output of the cell, so redraw every few seconds
    mininterval = 0.1
    if notebook:
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it)
            from tqdm.notebook import tqdm
        except ImportError:
            mininterval = 5.0
    bar = None

    def update(done, total):
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=total_desc, unit="step", leave=notebook, mininterval=mininterval)
        bar.update(done - bar.n)

    def close():
        if bar is not None:
            bar.close()

    return update, close


def mean_ci(values, kind="level", level=0.95):
    """The mean of per-replicate values with the interval the summaries use
    (docs/metrics.md, "Statistics"): Student's t, on the logit scale for ``kind="share"``
    (values in [0, 1]). Returns a dict: mean, ci95_low, ci95_high, n (NaN where undefined:
    no value, or one value for the interval; a NaN value propagates)."""
    m, lo, hi, n = _core.mean_ci([float(v) for v in values], kind, level)
    return {"mean": m, "ci95_low": lo, "ci95_high": hi, "n": n}


def run(scenario, overrides=None, arms=None, progress=True, threads=None, seed=None):
    """Runs every arm for every replicate; returns a :class:`Result`.

    ``scenario`` is a path, a dict or a Scenario; ``overrides`` and ``arms`` as in
    :func:`load_scenario`. ``progress``: True draws a bar, False none, or a callable
    ``(done, total)`` called at each step boundary. The GIL is released while the
    engine runs; Ctrl-C (KeyboardInterrupt) stops it cleanly between two steps.
    ``threads`` sets the OpenMP thread count (results do not depend on it). ``seed``
    replaces the scenario's base seed (the ``seed`` key; replicates derive theirs from it).
    """
    if seed is not None:
        overrides = override_strings(overrides) + [f"seed={int(seed)}"]
    sc = load_scenario(scenario, overrides, arms)
    close = lambda: None  # noqa: E731
    if progress is True:
        callback, close = progress_bar()
    elif progress is False or progress is None:
        callback = None
    else:
        callback = progress
    try:
        core = _core.run(sc._core, callback, threads or 0)
    finally:
        close()
    return Result(sc, core)


class Result:
    """The outputs of one run, as DataFrames with the columns of the CLI's files.

    - ``metrics``: metrics.csv (step, arm, replicate, seed, one column per metric)
    - ``summary``: summary.json as a dict; ``summary_frame``: one row per arm and metric;
      ``comparisons``: the paired differences against the control
    - ``metrics_summary``: metrics_summary.csv (mean and 95% CI over replicates)
    - ``impressions`` / ``moderation``: the event logs (impressions need output.events;
      per-user data: PermissionError while a non-platform privacy session is current)
    - ``coverage_gaps``: coverage_gaps.csv (with a counter_narrative_reach observer)
    - ``uploads``: uploads.csv, every upload of a world of platforms (docs/crisis.md)
    - ``transparency``: transparency.csv, each platform's transparency report per arm and replicate
    - ``orders``: orders.csv, every removal order of a world of platforms, from every authority
    - ``preservation`` / ``access_log``: what a world of platforms kept for law enforcement, and
      every authority's request for it
    - ``induced_graph(arm)``: (nodes, edges) of the induced graph (output.graph)
    - ``report(path)``: the run's report, one self-contained HTML page
    """

    def __init__(self, scenario: Scenario, core):
        self.scenario = scenario
        self._core = core

    @property
    def arms(self):
        return self._core.arms

    @property
    def columns(self):
        """The metric columns (after step, arm, replicate, seed)."""
        return self._core.columns

    @property
    def wall_seconds(self):
        return self._core.wall_seconds

    @cached_property
    def metrics(self):
        return frame(self._core.metrics_columns(), categories={"arm": self.arms})

    @property
    def impressions(self):
        require_raw_access("reading the per-user event log (Result.impressions)")
        return self._impressions

    @cached_property
    def _impressions(self):
        return frame(self._core.impression_columns(),
                     categories={"arm": self.arms, "source": ["organic", "injected"]},
                     nullable={"organisation": -1})

    @cached_property
    def items(self):
        """Every item of each replicate's catalog: ground truth beside the platform's view (items.csv)."""
        return pd.read_csv(io.StringIO(self._core.items_csv()),
                           dtype={"label": pd.CategoricalDtype(_core.LABEL_NAMES), "parent": "Int64",
                                  "upload_step": "Int64"})

    @property
    def users(self):
        """Each user's attributes at the start and at-risk flag, per replicate (users.csv)."""
        require_raw_access("reading the per-user attributes (Result.users)")
        return pd.read_csv(io.StringIO(self._core.users_csv()))

    @cached_property
    def moderation(self):
        return frame(self._core.moderation_columns(),
                     categories={"arm": self.arms, "event": _core.EVENT_NAMES, "channel": _core.CHANNEL_NAMES})

    @cached_property
    def uploads(self):
        """Every upload of a world of platforms and what became of it (uploads.csv, docs/crisis.md):
        arm, replicate, upload, platform, minute, kind, copy_kind, parent, hash distances, outcome,
        channel, minutes_to_outcome, ...; an empty frame for a scenario without a ``world``."""
        text_columns = ["channel", "match_platform", "news_hit"]  # empty: none
        return self._world_table(self._core.uploads_csv(), dtype={c: "string" for c in text_columns},
                                 keep_default_na=False, na_values={c: [""] for c in text_columns})

    @cached_property
    def orders(self):
        """Every removal order of a world of platforms (orders.csv, docs/crisis.md): arm, replicate, order,
        authority, platform, upload, minute (receipt), deadline_minute, outcome_minute (the upload's
        removal, -1: none) and met (1: removed by the deadline). Empty without a ``world``."""
        return self._world_table(self._core.orders_csv())

    @cached_property
    def preservation(self):
        """What a world of platforms kept for law enforcement (preservation.csv, docs/crisis.md,
        "Preservation"): one row per take-down, with arm, replicate, record, platform, upload, kind,
        minute (kept from), until_minute (its retention ends, extensions included), released_minute
        (restored on appeal, -1: not), requests, granted and extended_minute (the request that last
        extended its retention, Art. 6(2); -1: none). Empty without a ``world``."""
        return self._world_table(self._core.preservation_csv())

    @cached_property
    def access_log(self):
        """Every authority's request for a preserved item (access_log.csv, docs/crisis.md,
        "Preservation"): arm, replicate, minute, authority, platform, upload, kind, record and result
        (granted; released: restored on appeal before; expired: its retention had ended). Empty
        without a ``world``."""
        return self._world_table(self._core.access_log_csv())

    @cached_property
    def transparency(self):
        """Each platform's transparency report for the incident, per arm and replicate (transparency.csv,
        docs/crisis.md, "Transparency"): removals by channel, the share within the hour, orders received
        and met on time, trusted flaggers' notices and their feedback, news removed by mistake and
        restored; recounted from ``uploads``. An empty frame for a scenario without a ``world``."""
        return self._world_table(self._core.transparency_csv())

    @cached_property
    def summary(self):
        return json.loads(self._core.summary_json())

    def _world_table(self, text, **read_csv):
        """A world of platforms' CSV table as a frame with the arms categorical; an empty frame
        when the run has no world (the table is its header alone)."""
        if not text.count("\n") > 1:
            return pd.DataFrame()
        return self._arms_categorical(pd.read_csv(io.StringIO(text), **read_csv))

    def _arms_categorical(self, df, columns=("arm",)):
        """The arm columns as categoricals ordered as in the scenario, as in every frame."""
        for c in columns:
            if c in df.columns:
                df[c] = pd.Categorical(df[c], categories=self.arms)
        return df

    @cached_property
    def metrics_summary(self):
        return self._arms_categorical(pd.read_csv(io.StringIO(self._core.metrics_summary_csv())))

    @cached_property
    def summary_frame(self):
        """summary.json's final-step values: arm, metric, mean, ci95_low, ci95_high, n."""
        rows = []
        for arm, block in self.summary["arms"].items():
            for metric, v in block["final"].items():
                rows.append({"arm": arm, "metric": metric, **{k: v.get(k) for k in ("mean", "ci95_low", "ci95_high",
                                                                                     "n")}})
        return self._arms_categorical(pd.DataFrame(rows, columns=["arm", "metric", "mean", "ci95_low", "ci95_high",
                                                                  "n"]))

    @cached_property
    def comparisons(self):
        """summary.json's comparisons: each arm against the control per metric (final step, paired over
        replicates): diff with ci_low/ci_high, relative with its CI, n, p, p_holm,
        distinguishable_after_holm (nullable boolean: NA where the comparison is undefined),
        the Bonferroni-adjusted CI, and not_applicable / undefined where they apply."""
        frame = pd.DataFrame(self.summary["comparisons"])
        if "distinguishable_after_holm" in frame:
            frame["distinguishable_after_holm"] = frame["distinguishable_after_holm"].astype("boolean")
        return self._arms_categorical(frame, ("arm", "control"))

    @cached_property
    def coverage_gaps(self):
        """coverage_gaps.csv; ``covered`` as booleans (the file writes yes/no)."""
        text = self._core.coverage_gaps_csv()
        if not text:
            return pd.DataFrame()
        frame = pd.read_csv(io.StringIO(text))
        frame["covered"] = frame["covered"].map({"yes": True, "no": False}).astype(bool)
        return self._arms_categorical(frame)

    def induced_graph(self, arm):
        """(nodes, edges) DataFrames of the arm's induced watch-next graph (output.graph)."""
        nodes, edges = self._core.induced_graph_csv(arm)
        return pd.read_csv(io.StringIO(nodes)), pd.read_csv(io.StringIO(edges))

    def summary_table(self):
        """The CLI's printed table."""
        return self._core.summary_table()

    def stage_times(self):
        return pd.DataFrame(self._core.stage_times(), columns=["arm", "replicate", "retrieve_s", "total_s"])

    def write(self, directory, threads=None, overwrite=False):
        """Writes the CLI's files (metrics.csv, summary.json, ..., manifest.json) into ``directory``.

        A directory that already holds a result (a manifest.json) is refused with a
        ScenarioError naming that run, unless ``overwrite=True``. With output.events the
        per-user event log is among the files: PermissionError while a non-platform privacy
        session is current.
        """
        if self.scenario.output_events:
            require_raw_access("writing the per-user event log (impressions.csv)")
        self._core.write(str(directory), threads or 0, bool(overwrite))

    def report(self, path, threads=None):
        """Writes the run's report to ``path``: one self-contained HTML page (styles inline,
        figures as inline SVG, nothing fetched), the page ``counterpoint report`` writes for
        the run's files (docs/cli.md, "Reports"). Returns ``path`` as a string."""
        self._core.report(str(path), threads or 0)
        return str(path)

    def __repr__(self):
        return (f"Result({self.scenario.name!r}: arms {self.arms}, {self._core.steps} steps, "
                f"{self.wall_seconds:.2f} s)")
