"""Rankers and interventions written in Python, usable from a scenario's YAML by name.

A plug-in is a class; its ``__init__`` keyword arguments with defaults are its YAML
parameters (type from the default: bool, int, float or str), checked like any
built-in's. Each hook is called once per batch of users (or once per step) with
numpy views of the whole batch, never once per user. The views are valid only
during the call: copy what you keep.
"""

import atexit
import hashlib
import inspect
import json

from . import _core

__all__ = ["Ranker", "Intervention", "register_ranker", "register_intervention", "rankers", "interventions",
           "retrievers", "observers", "metrics", "label_names"]


class Ranker:
    """Base class of Python rankers. Override ``score``; optional hooks:
    ``begin_step(ctx)`` and ``observe_slates(ctx, batch)``.

    ``score(ctx, batch)`` writes ``batch.cand_score`` (n x k, float32, higher is shown
    first) for ``batch.cand_ids`` (n x k, -1 = empty). ``ctx.step``, ``ctx.seed``,
    ``ctx.item_clicks`` and ``ctx.item_status`` describe the step.
    """

    begin_step = None
    observe_slates = None

    def score(self, ctx, batch):
        raise NotImplementedError


class Intervention:
    """Base class of Python interventions (hooks as in recommender/intervention.h).

    Optional hooks, each called once per step or per batch, in this order within a step:
    ``begin_step(ctx)``; ``on_uploads(ctx, arriving, actions)``; per batch
    ``on_candidates(ctx, batch)`` (may set ``batch.cand_ids`` entries to -1),
    ``on_scores(ctx, batch)`` (may change ``batch.cand_score``), ``on_slate(ctx, batch)``
    (may change ``batch.slate``, ``slate_score`` and ``provenance``),
    ``on_feedback(ctx, batch, choices)``; ``end_step(ctx, actions)``; then
    ``write_metrics(ctx)`` returning one number per name in ``columns``.
    ``columns_zero_when_absent`` names the columns an arm without this intervention has
    as 0 (counts of what it does); the others are not applicable there.
    ``column_kinds`` maps a column to its kind: "share" (a proportion in [0, 1]: its
    interval is built on the logit scale, and a value outside [0, 1] is an error),
    "level" (the default) or "signed" (no relative difference); ``cp.metrics()`` lists them.
    ``init(context)`` runs once per arm and replicate with a dict: n_users,
    candidates, slate_size, arm, seed, instance, n_items and ``catalog_arrays``
    (read-only views of what the platform sees: embeddings, harm_score, creator, topic,
    upload_step, partner_counter_narrative; no label or extremity).
    """

    columns = ()
    columns_zero_when_absent = ()
    column_kinds = {}
    init = begin_step = on_uploads = on_candidates = on_scores = on_slate = None
    on_feedback = end_step = write_metrics = None


def _spec(cls):
    params = []
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty:
            raise TypeError(f"{cls.__name__}.__init__: parameter '{p.name}' needs a default (it gives its type)")
        params.append((p.name, p.default, ""))
    return params


def _metric_kinds(cls):
    """(column, kind, unit, definition) for each column the class declares: its kind from
    column_kinds, else a level."""
    kinds = dict(getattr(cls, "column_kinds", {}) or {})
    columns = getattr(cls, "columns", ())
    if isinstance(columns, (list, tuple)):
        for c in columns:
            kinds.setdefault(str(c), "level")
    where = f"written by the Python class {cls.__module__}.{cls.__qualname__} (see its docstring)"
    return [(str(c), str(k), "as the class defines", where) for c, k in kinds.items()]


def _source(cls):
    """Where the class comes from and the SHA-256 of its source, for the manifest: the
    class's source text, or, where Python cannot find it (a class defined in a notebook
    cell has no module file), the source of each of its methods, in name order."""
    try:
        text, of = inspect.getsource(cls), "class"
    except (OSError, TypeError):
        parts = []
        for attr, value in sorted(vars(cls).items()):
            if inspect.isfunction(value):
                try:
                    parts.append(inspect.getsource(value))
                except (OSError, TypeError):  # no source anywhere: its bytecode identifies it
                    parts.append(f"{attr}: {value.__code__.co_code.hex()}")
        text, of = "\n".join(parts), "methods"
    try:
        file = inspect.getsourcefile(cls) or ""
    except (OSError, TypeError):
        file = ""
    return {"module": cls.__module__, "qualname": cls.__qualname__, "file": file,
            "source_sha256": hashlib.sha256(text.encode()).hexdigest(), "source_of": of}


def _register(core_register, base, name, cls, doc):
    def apply(cls):
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise TypeError(f"register a subclass of counterpoint.{base.__name__}, not {cls!r}")
        # the class's own docstring, not one inherited from the base class
        text = doc or inspect.cleandoc(cls.__dict__.get("__doc__") or "")
        if base is Intervention:
            core_register(name, text, _spec(cls), cls, _metric_kinds(cls), _source(cls))
        else:
            core_register(name, text, _spec(cls), cls, _source(cls))
        return cls

    return apply(cls) if cls is not None else apply


def register_ranker(name, cls=None, doc=None):
    """Registers a Ranker subclass as ``name`` (``ranker: {type: name, ...}`` in YAML).

    Use as a decorator, ``@register_ranker("my_ranker")``, or call it with the class.
    Registering a name again replaces the earlier Python class; built-in names are refused.
    """
    return _register(_core.register_ranker, Ranker, name, cls, doc)


def register_intervention(name, cls=None, doc=None):
    """Registers an Intervention subclass as ``name`` (``interventions: [{type: name}]``)."""
    return _register(_core.register_intervention, Intervention, name, cls, doc)


def _typed(kind, text):
    """A parameter's default in its own type (the engine lists them as text)."""
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)  # the shortest text that reads back as the same double
    if kind == "boolean":
        return text == "true"
    if kind == "list of integers":
        return json.loads(text)
    return text


def _specs(entries):
    return {name: {"doc": doc, "params": [{"name": n, "type": t, "default": _typed(t, d), "doc": pd}
                                          for n, t, d, pd in params]}
            for name, doc, params, _ in entries}


def rankers():
    """Every registered ranker (built-in and Python): name -> doc and parameters."""
    return _specs(_core.rankers())


def interventions():
    """Every registered intervention: name -> doc and parameters."""
    return _specs(_core.interventions())


def label_names():
    """The item labels, in the order of their codes (``ctx.truth["labels"]``, ``sim.catalog.labels``)."""
    return list(_core.label_names())


def retrievers():
    """Every registered retriever: name -> doc and parameters."""
    return _specs(_core.retrievers())


def observers():
    """Every registered observer (the plug-ins that write metrics): name -> doc, parameters and
    whether a scenario that names no observers gets it (``default``)."""
    defaults = set(_core.default_observers())
    out = _specs(_core.observers())
    for name, spec in out.items():
        spec["default"] = name in defaults
    return out


def sock_puppets():
    """The scenario's ``sock_puppets`` block (scripted users, docs/sock_puppets.md): for
    ``sock_puppets[i]`` (a group) and ``sock_puppets[i].script[j]`` (a part of its script),
    the doc and parameters."""
    return _specs(_core.sock_puppet_specs())


def metrics():
    """Every metric column the registered observers and interventions write, as a DataFrame:
    metric, plugin (its observer or intervention), plugin_kind, kind (share, level or signed:
    docs/metrics.md, "Statistics"), unit, definition, and default (written by a scenario that
    names no observers). ``cn_org<k>_impressions`` stands for one column per organisation k.
    The sock puppets' columns (docs/sock_puppets.md) have plugin and plugin_kind
    ``sock_puppets``; ``<group>`` stands for a group's name.
    A world of platforms' columns (docs/crisis.md) have plugin and plugin_kind ``world``;
    ``<name>@<platform>`` stands for one column per platform.
    Formulas and sources: docs/metrics.md, docs/interventions.md and docs/crisis.md."""
    import pandas as pd

    defaults = set(_core.default_observers())
    rows = []
    for plugin_kind, entries in (("observer", _core.observers()), ("intervention", _core.interventions())):
        for name, _, _, specs in entries:
            for metric, kind, unit, definition in specs:
                rows.append({"metric": metric, "plugin": name, "plugin_kind": plugin_kind, "kind": kind,
                             "unit": unit, "definition": definition,
                             "default": plugin_kind == "observer" and name in defaults})
    for _, _, _, specs in _core.sock_puppet_specs():
        for metric, kind, unit, definition in specs:
            rows.append({"metric": metric, "plugin": "sock_puppets", "plugin_kind": "sock_puppets", "kind": kind,
                         "unit": unit, "definition": definition, "default": False})
    for metric, kind, unit, definition in _core.world_metrics():
        rows.append({"metric": metric, "plugin": "world", "plugin_kind": "world", "kind": kind, "unit": unit,
                     "definition": definition, "default": False})
    return pd.DataFrame(rows, columns=["metric", "plugin", "plugin_kind", "kind", "unit", "definition", "default"])


# no Python object may outlive the interpreter inside a C++ registry
atexit.register(_core.clear_python_plugins)
