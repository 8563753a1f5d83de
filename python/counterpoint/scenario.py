"""Scenarios: loaded from a YAML file or a dict, with overrides and an arm selection."""

import json
import os

from . import _core

__all__ = ["Scenario", "load_scenario", "override_strings", "scenario_path", "scenarios"]

# the shipped scenarios installed with the package (and the datasets they read, beside them)
_SHIPPED = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")]


def scenario_path(source):
    """The scenario file ``source`` names: the path itself when the file exists, else the
    shipped scenario of that name (``"rabbit_hole"``). MissingFileError (a
    FileNotFoundError) names the path looked for, the current directory and the shipped
    names otherwise."""
    return _core.resolve_scenario(os.fspath(source), _SHIPPED)


def scenarios():
    """The shipped scenarios, as a DataFrame indexed by name: description and path (what
    ``counterpoint list scenarios`` prints). Each runs by name: ``cp.run("rabbit_hole")``."""
    import pandas as pd
    rows = _core.shipped_scenarios(_SHIPPED)
    return pd.DataFrame(rows, columns=["name", "description", "path"]).set_index("name")


def override_strings(overrides):
    """``{"population.n_users": 2000}`` -> ``["population.n_users=2000"]`` (the CLI's --set).

    Values are written as JSON, which is YAML: numbers, booleans, strings and lists
    keep their types. Strings already of the form ``key=value`` pass through.
    """
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{k}={json.dumps(v)}" for k, v in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return [str(o) for o in overrides]


class Scenario:
    """A validated scenario. Immutable: ``with_overrides`` returns a new one.

    Build one with :func:`load_scenario`. Attributes mirror the YAML: ``name``,
    ``steps``, ``replicates``, ``seed``, ``arms`` (names), ``control``, ``n_users``...
    """

    def __init__(self, core, origin):
        self._core = core
        self._origin = origin  # (kind, source, base_dir, overrides, arms) to derive new ones

    @classmethod
    def _load(cls, kind, source, base_dir, overrides, arms):
        arms = list(arms or [])
        if kind == "file":
            core = _core.load_scenario(source, overrides, arms)
        else:
            core = _core.parse_scenario(source, "<dict>", overrides, base_dir, arms)
        return cls(core, (kind, source, base_dir, list(overrides), arms))

    def with_overrides(self, overrides=None, arms=None, **values):
        """A new scenario with more overrides (``{"a.b": v}`` or keywords for top-level keys)."""
        kind, source, base_dir, old, old_arms = self._origin
        new = old + override_strings(overrides) + override_strings(values)
        return Scenario._load(kind, source, base_dir, new, arms if arms is not None else old_arms)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._core, name)

    def __dir__(self):
        # the engine's fields beside the class's own, for tab completion (IPython, Jupyter)
        fields = [n for n in dir(self._core) if not n.startswith("_") and n != "resolved_json"]
        return sorted(set(super().__dir__()) | set(fields))

    @property
    def resolved(self):
        """Every resolved setting, defaults filled in (the manifest's ``scenario``)."""
        return json.loads(self._core.resolved_json())

    def __repr__(self):
        return (f"Scenario({self.name!r}: {len(self.arms)} arm(s) {self.arms}, {self.replicates} replicate(s) x "
                f"{self.steps} steps, {self.n_users} users)")


def load_scenario(source, overrides=None, arms=None, base_dir=None):
    """Loads and validates a scenario.

    ``source`` is a YAML file path, a shipped scenario's name (``"rabbit_hole"``; a path
    wins; ``counterpoint.scenarios()`` lists them), a dict with the YAML's structure, or a
    Scenario.
    ``overrides`` are ``--set`` assignments as a dict (``{"population.n_users": 2000}``)
    or strings. ``arms`` keeps only those arms, in that order. A dict's relative data
    paths resolve against ``base_dir`` (default: the current directory).

    Raises ScenarioError (a ValueError with ``file``, ``line``, ``column``) for bad
    input and FileNotFoundError for a missing file.
    """
    if isinstance(source, Scenario):
        return source.with_overrides(overrides, arms=arms) if (overrides or arms) else source
    if isinstance(source, dict):
        text = json.dumps(source, indent=2)
        return Scenario._load("dict", text, base_dir or os.getcwd(), override_strings(overrides), arms)
    if isinstance(source, (str, os.PathLike)):
        return Scenario._load("file", scenario_path(source), None, override_strings(overrides), arms)
    raise TypeError(f"a scenario is a file path, a dict or a Scenario, not {type(source).__name__}")
