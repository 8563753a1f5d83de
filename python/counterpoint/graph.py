"""Graph audits and rewiring on watch-next graphs (docs/graph.md), results as DataFrames."""

import copy
import json
import os
from functools import cached_property

import pandas as pd

from . import _core
from .scenario import load_scenario, scenario_path

__all__ = ["GraphAudit", "AuditResult", "RewireResult"]


class GraphAudit:
    """A watch-next graph and the settings of ``counterpoint audit`` / ``counterpoint rewire``.

    Give an audit scenario (e.g. scenarios/recfluence_audit.yaml) or the graph itself:
    ``recfluence=DIR``, ``nodes=..., edges=...`` CSVs, or ``knn=RUN_SCENARIO`` (the kNN
    graph of a run scenario's catalog). Keywords mirror the CLI's flags and override the
    scenario: harmful (a list of "L1,L2" strings or {name: [labels]}), start ("uniform"
    or "attribute:NAME"), group_flows (a list of (name, [labels], "uniform" or
    "attribute:NAME")), sinks, k, horizon, walkers, length, seed, budget, tau, and any
    AuditConfig field (restart, user_autonomy, user_preference, max_sources, ...).
    """

    _FLAGS = {"k": "reach_k", "budget": None}

    def __init__(self, scenario=None, *, recfluence=None, nodes=None, edges=None, knn=None, harmful=None, **settings):
        config = _core.load_audit_config(scenario_path(scenario)) if scenario is not None else _core.AuditConfig()
        if recfluence is not None:
            config.source, config.dir = "recfluence", os.fspath(recfluence)
        if nodes is not None or edges is not None:
            if nodes is None or edges is None:
                raise ValueError("give both nodes and edges")
            config.source, config.nodes, config.edges = "csv", os.fspath(nodes), os.fspath(edges)
        if knn is not None:
            config.knn_scenario = load_scenario(knn)._core
        if scenario is None and recfluence is None and nodes is None and knn is None:
            raise ValueError("give an audit scenario, recfluence=DIR, nodes=/edges= CSVs or knn=RUN_SCENARIO")
        if harmful is not None:
            if isinstance(harmful, dict):
                config.harmful = [(name, list(labels)) for name, labels in harmful.items()]
            else:
                if isinstance(harmful, str):
                    harmful = [harmful]
                config.harmful = [(h, [x.strip() for x in h.split(",") if x.strip()]) for h in harmful]
        if not config.harmful:
            raise ValueError("give the harmful labels, e.g. harmful=['Alt-right,Alt-lite']")
        for key, value in settings.items():
            if key == "budget":
                config.rewire_budget = config.bubble_links = value
            elif key == "k":
                config.reach_k = value
            elif hasattr(config, key):
                setattr(config, key, value)
            else:
                raise TypeError(f"unknown audit setting '{key}'")
        self.config = config

    @cached_property
    def _graph(self):
        return _core.load_audit_graph(self.config)

    @property
    def data_dates(self):
        return self.config.data_dates()

    @cached_property
    def nodes(self):
        """One row per node: id, name, label, out_degree and the graph's numeric attributes."""
        g = self._graph
        cols = g.node_columns()
        df = pd.DataFrame(cols, copy=False)
        df["label"] = pd.Categorical.from_codes(cols["label"], categories=g.label_names)
        return df

    def with_settings(self, **settings):
        """A copy with other settings (same graph source)."""
        other = copy.copy(self)
        other.config = copy.copy(self.config)
        for key, value in settings.items():
            if key == "budget":
                other.config.rewire_budget = other.config.bubble_links = value
            elif key == "k":
                other.config.reach_k = value
            else:
                setattr(other.config, key, value)
        return other

    def audit(self):
        """Segregation, truncated radius, reach within k, label flow and journeys."""
        data, text = _core.run_audit(self.config, self._graph)
        return AuditResult(json.loads(data), text)

    def rewire(self):
        """Greedy rewiring trajectory, bubble-radius links and counter-narrative links."""
        data, text = _core.run_rewire(self.config, self._graph)
        return RewireResult(json.loads(data), text)


class AuditResult:
    """``counterpoint audit``'s JSON (``data``), its printed report (``text``) and DataFrames."""

    def __init__(self, data, text):
        self.data, self.text = data, text

    @cached_property
    def segregation(self):
        """Per harmful node and set: segregation (expected steps among harmful nodes) and truncated radius."""
        frames = []
        for h in self.data["harmful_sets"]:
            seg = pd.DataFrame(h["segregation"]["per_node"]).rename(columns={"steps": "segregation"})
            rad = pd.DataFrame(h["truncated_radius"]["per_node"])[["id", "steps"]]
            seg = seg.merge(rad.rename(columns={"steps": "truncated_radius"}), on="id", how="left")
            seg.insert(0, "harmful_set", h["name"])
            frames.append(seg)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    @cached_property
    def segregation_summary(self):
        rows = []
        for h in self.data["harmful_sets"]:
            s = h["segregation"]
            rows.append({"harmful_set": h["name"], "max": s["max"], "mean": s["mean"], "trapped": s["trapped"],
                         "max_truncated_radius": h["truncated_radius"]["max"],
                         "mean_truncated_radius": h["truncated_radius"]["mean"]})
        return pd.DataFrame(rows)

    @cached_property
    def reach(self):
        """Reach of each harmful set within 0..k steps: exact, by start group, and Monte Carlo (bots, users)."""
        rows = []
        for h in self.data["harmful_sets"]:
            r = h["reach_within_k"]
            for step, exact in enumerate(r["exact"]):
                row = {"harmful_set": h["name"], "steps": step, "exact": exact}
                for kind in ("bots", "users"):
                    mc = r.get(f"monte_carlo_{kind}")
                    if mc:
                        row[f"{kind}_mean"] = mc[step]["mean"]
                        row[f"{kind}_ci95_low"] = mc[step]["ci95_low"]
                        row[f"{kind}_ci95_high"] = mc[step]["ci95_high"]
                for group, values in r.get("by_start_group", {}).items():
                    row[f"from_{group}"] = values[step]
                rows.append(row)
        return pd.DataFrame(rows)

    @cached_property
    def label_flow(self):
        """Label-to-label flow: the share of recommendations from each label to each label."""
        f = self.data["label_flow"]
        return pd.DataFrame(f["flow"], index=pd.Index(f["labels"], name="from"), columns=f["labels"])


    @cached_property
    def group_flow(self):
        """Per named group: recommendation flow from the group to the rest (``out``) and back (``in``),
        as shares of all weighted recommendations, their ratio, and the per-source rates (docs/graph.md)."""
        return pd.DataFrame(self.data.get("group_flows", []))


class RewireResult:
    """``counterpoint rewire``'s JSON (``data``), its printed report (``text``) and DataFrames."""

    def __init__(self, data, text):
        self.data, self.text = data, text

    @cached_property
    def trajectory(self):
        """Max and mean segregation after 0..budget rewiring operations, per harmful set.

        Both are over the harmful nodes with finite segregation (`finite`); `trapped` counts
        those excluded. Over no finite node they are NaN, never 0."""
        rows = []
        for h in self.data["harmful_sets"]:
            rw = h["rewiring"]
            for i, (mx, mean) in enumerate(zip(rw["max_segregation"], rw["mean_segregation"])):
                rows.append({"harmful_set": h["name"], "operations": i,
                             "max_segregation": float("nan") if mx is None else mx,
                             "mean_segregation": float("nan") if mean is None else mean,
                             "finite": rw.get("finite"), "trapped": rw.get("trapped")})
        return pd.DataFrame(rows)

    @cached_property
    def operations(self):
        """Each rewiring operation: u -> v moved to u -> w, with its probability and relevance ratio."""
        rows = []
        for h in self.data["harmful_sets"]:
            for i, op in enumerate(h["rewiring"]["operations"], start=1):
                row = {"harmful_set": h["name"], "operation": i}
                row.update({k: v for k, v in op.items() if k != "names"})
                if "names" in op:
                    row.update(dict(zip(("u_name", "v_name", "w_name"), op["names"])))
                rows.append(row)
        return pd.DataFrame(rows)

    @cached_property
    def bubble_links(self):
        """Max and mean truncated radius after 0..links inserted links, per harmful set."""
        rows = []
        for h in self.data["harmful_sets"]:
            b = h.get("bubble_links")
            if not b:
                continue
            for i, (mx, mean) in enumerate(zip(b["max_radius"], b["mean_radius"])):
                rows.append({"harmful_set": h["name"], "links": i, "max_radius": mx, "mean_radius": mean})
        return pd.DataFrame(rows)
