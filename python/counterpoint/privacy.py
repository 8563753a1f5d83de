"""The data-protection gate: policies, access sessions, releases and ingest.

    import counterpoint as cp
    with cp.privacy.session("policy.yaml", "vetted_researcher", "alice"):
        res = cp.run("scenarios/ngo_reach.yaml")
        res.metrics                      # aggregates: readable
        res.impressions                  # per-user events: PermissionError (tier, policy)
    policy = cp.privacy.example_policy("public", to="my_project")   # a copy to edit; its ledger beside it
    cp.privacy.ledger(policy, bind=True)   # the controller binds it to its ledger before giving it out
    cp.privacy.release("runs/ngo", policy, "public", "Press Office", rho=0.01, out="reach.csv")
    cp.privacy.ledger(policy)["spent"]      # what each requester has spent, the ledger verified

A session is current for the whole process while its ``with`` block runs (sessions
nest; the innermost is current). With no session current the package reads
everything, as before. See docs/python.md ("Data protection") and
docs/data-protection.md.
"""

import json
import os
import shutil

import pandas as pd

from . import _core
from .errors import AccessDeniedError, CounterpointError
from .frames import frame

__all__ = ["AccessDeniedError", "EXAMPLE_POLICIES", "Policy", "Session", "current_session", "example_policy", "ingest",
           "ledger", "load_policy", "normalise_requester", "read_trajectories", "release", "require_raw_access", "session",
           "TIERS"]

TIERS = list(_core.TIER_NAMES)
Policy = _core.Policy

_stack = []  # the sessions entered, innermost last

# the shipped example policies (policies/ of the checkout; installed beside the package)
EXAMPLE_POLICIES = ["in_house", "vetted_researcher", "ngo", "public"]
_POLICY_DIRS = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "policies"), _core.SOURCE_POLICIES]


def example_policy(name, to=None):
    """The path of the shipped example policy ``name`` (one of EXAMPLE_POLICIES).

    With ``to`` (a directory, created if missing) the policy is copied there first and the
    copy's path is returned: its budget ledger is then created beside the copy, not in the
    installation. Edit the copy's ``requesters:`` before real use (docs/data-protection.md).
    """
    if name not in EXAMPLE_POLICIES:
        raise CounterpointError(f"no example policy {name!r}; the shipped ones: {', '.join(EXAMPLE_POLICIES)}")
    for d in _POLICY_DIRS:
        path = os.path.join(d, name + ".yaml")
        if os.path.isfile(path):
            break
    else:
        raise CounterpointError(f"the example policy {name!r} is not installed (looked in {', '.join(_POLICY_DIRS)})")
    if to is None:
        return path
    os.makedirs(os.fspath(to), exist_ok=True)
    dest = os.path.join(os.fspath(to), name + ".yaml")
    shutil.copyfile(path, dest)
    return dest


def normalise_requester(name):
    """The normalised form of a requester name, under which the policy looks it up and the
    ledger charges it: case-folded, white space trimmed and collapsed, ``Name <addr>`` -> addr."""
    return _core.normalise_requester(str(name))


def load_policy(path):
    """Loads and validates a policy file; raises ScenarioError with every problem found.

    The result has ``name``, ``file``, ``sha256``, ``ledger``, ``tiers`` (the granted tier names),
    ``requesters`` (requester id -> the tiers it holds) and ``requester(name, tier)`` (the id any
    spelling of a listed name stands for; ScenarioError if it is not listed or lacks the tier).
    """
    if isinstance(path, _core.Policy):
        return path
    return _core.load_policy(os.fspath(path))


class Session:
    """What one requester may read in one tier, under one policy (privacy/session.h).

    Use it as a context manager to make it the process's current session. Only a
    platform session reads raw per-user data (``Result.impressions``,
    ``read_trajectories``, a simulation's per-user state, writing an event log);
    any other tier gets :class:`AccessDeniedError` (a PermissionError) naming the
    tier and the policy. Raises ScenarioError if the policy does not grant the tier, or
    does not list ``requester`` (any spelling of a name or alias under ``requesters:``),
    or the requester does not hold the tier.
    """

    def __init__(self, policy, tier, requester):
        self._core = _core.AccessSession(load_policy(policy), str(tier), str(requester))

    @property
    def tier(self):
        return self._core.tier

    @property
    def requester(self):
        """The requester's identity: the normalised key under the policy's ``requesters:``."""
        return self._core.requester

    @property
    def policy(self):
        return self._core.policy

    def require_raw_access(self, what):
        """Raises AccessDeniedError unless this session may read raw per-user data."""
        self._core.require_raw_access(what)

    def read_trajectories(self, run_dir, key):
        """The run's per-user event log with user ids replaced by keyed pseudonyms (HMAC-SHA256 under ``key``).

        Platform sessions only. Columns: step, arm, replicate, user (pseudonym), item,
        position, source (organic | injected), organisation (nullable), clicked.
        """
        out = self._core.read_trajectory_columns(os.fspath(run_dir), os.fspath(key))
        return frame(out["columns"], categories={"arm": out["arms"], "source": ["organic", "injected"]},
                     nullable={"organisation": -1})

    def __enter__(self):
        _stack.append(self)
        return self

    def __exit__(self, *exc):
        _stack.remove(self)
        return False

    def __repr__(self):
        return (f"Session(tier={self.tier!r}, requester={self.requester!r}, "
                f"policy={self.policy.name!r} ({self.policy.file}))")


def session(policy, tier, requester):
    """A :class:`Session` of ``requester`` in ``tier`` under the policy file ``policy``; ``with`` makes it current."""
    return Session(policy, tier, requester)


def current_session():
    """The session current for this process, or None."""
    return _stack[-1] if _stack else None


def require_raw_access(what):
    """Raises AccessDeniedError if a session other than platform is current (no session: allowed)."""
    if _stack:
        _stack[-1].require_raw_access(what)


def read_trajectories(run_dir, key, session=None):
    """``session.read_trajectories`` of the given session, or of the current one."""
    s = session or current_session()
    if s is None:
        raise CounterpointError("reading raw trajectories needs a session: "
                                "with counterpoint.privacy.session(policy, 'platform', requester): ...")
    return s.read_trajectories(run_dir, key)


def release(run_dir, policy, tier, requester, epsilon=None, rho=None, out=None, key=None):
    """Releases a run's results through the gate, as ``counterpoint release`` does; returns the manifest (a dict).

    ``requester`` must name (in any spelling: case, white space, ``Name <addr>``) a
    requester the policy lists under ``requesters:`` holding ``tier``; the engine refuses
    anyone else (ScenarioError naming the requester, the tier and the fix), whatever the
    session. DP tiers (vetted_researcher, ngo, public) write ``out`` (CSV: per arm x source the
    noisy users, impressions and clicks; cells under the tier's threshold suppressed)
    and charge ``epsilon`` (Laplace tiers) or ``rho`` (Gaussian tiers) to the policy's
    budget ledger first; the platform tier writes the trajectories with pseudonymised
    user ids (``key``: the key file). ``out + ".manifest.json"`` holds the manifest, with
    ``guarantee``: this release's and the composed (epsilon, delta) the requester has spent.
    The run must have been written with ``output.events: true``. Raises ScenarioError
    for bad input, a tier the policy does not grant or an overspend (nothing written
    or charged), and AccessDeniedError for a platform release while a session of
    another tier is current. The GIL is released while it runs.
    """
    if str(tier) == "platform":
        require_raw_access("a platform-tier release (per-user trajectories)")
    text = _core.release(load_policy(policy), os.fspath(run_dir), str(tier), str(requester),
                         float(epsilon if epsilon is not None else 0), float(rho if rho is not None else 0), os.fspath(out) if out is not None else "",
                         os.fspath(key) if key is not None else "")
    return json.loads(text)


def ledger(policy, bind=False):
    """What the policy's budget ledger holds, verified as a release would verify it, as ``counterpoint ledger`` shows.

    Returns a dict: ``bound``, ``exists`` (False: an unbound policy that never released;
    nothing is created), ``ledger``, ``anchor``, ``id``, ``rows``, ``head``, ``audit`` (a
    DataFrame of the audit log, oldest first) and ``spent`` (a DataFrame per dataset and
    requester: releases, sum_epsilon, sum_rho, composed_epsilon, composed_delta, route,
    epsilon_budget). ``bind=True`` binds a policy not bound yet to a new ledger (its id
    appended to the policy as ``ledger_id:``), as the controller should before giving the
    policy out. Raises ScenarioError for a tampered, missing or foreign ledger.
    """
    state = json.loads(_core.ledger(load_policy(policy), bool(bind)))
    audit_cols = ["id", "at_utc", "dataset", "requester", "tier", "what", "epsilon", "rho", "delta", "hash"]
    spent_cols = ["dataset", "requester", "releases", "sum_epsilon", "sum_rho", "delta", "composed_epsilon",
                  "composed_delta", "route", "epsilon_budget"]
    state["audit"] = pd.DataFrame(state["audit"], columns=audit_cols)
    state["spent"] = pd.DataFrame(state["spent"], columns=spent_cols)
    return state


def ingest(logs, key, out, embeddings=None):
    """Ingests real interaction logs, pseudonymised and minimised, as ``counterpoint ingest`` does.

    Reads the CSV ``logs`` (user_id, item_id, timestamp, event; other columns are
    dropped), replaces user ids by HMAC-SHA256 pseudonyms under the key file ``key``
    (created with mode 0600 if absent; it must lie outside ``out``) and writes
    ``out/events.csv`` and ``out/manifest.json``; with ``embeddings`` (.npy, row =
    item id) also ``interests.npy`` and ``users.csv``. Returns ``rows``, ``users``,
    ``dropped_columns`` and ``calibrated``. The GIL is released while it runs.
    """
    return _core.ingest(os.fspath(logs), os.fspath(key), os.fspath(out),
                        os.fspath(embeddings) if embeddings is not None else "")
