"""Rankers and interventions written in Python, usable from a scenario's YAML by name.

A plug-in is a class; its ``__init__`` keyword arguments with defaults are its YAML
parameters (type from the default: bool, int, float or str), checked like any
built-in's. Each hook is called once per batch of users (or once per step) with
numpy views of the whole batch, never once per user. The views are valid only
during the call: copy what you keep.
"""

import atexit
import inspect
import json

from . import _core

__all__ = ["Ranker", "Intervention", "register_ranker", "register_intervention", "rankers", "interventions"]


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
    ``init(context)`` runs once per arm and replicate with a dict: n_users,
    candidates, slate_size, arm, seed, instance, n_items and ``catalog_arrays``
    (read-only views of harm_score, labels, extremity, ...).
    """

    columns = ()
    columns_zero_when_absent = ()
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


def _register(core_register, base, name, cls, doc):
    def apply(cls):
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise TypeError(f"register a subclass of counterpoint.{base.__name__}, not {cls!r}")
        core_register(name, doc or inspect.getdoc(cls) or "", _spec(cls), cls)
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
            for name, doc, params in entries}


def rankers():
    """Every registered ranker (built-in and Python): name -> doc and parameters."""
    return _specs(_core.rankers())


def interventions():
    """Every registered intervention: name -> doc and parameters."""
    return _specs(_core.interventions())


# no Python object may outlive the interpreter inside a C++ registry
atexit.register(_core.clear_python_plugins)
