"""The data-protection gate from Python: releases, ingest, and sessions that refuse raw per-user data."""
import json
import os
import pickle
import shutil
import sqlite3
import stat

import pandas as pd
import pytest

import counterpoint as cp
from conftest import small_world

POLICY = """name: py_policy
ledger: ledger.sqlite
tiers:
  platform: {}
  vetted_researcher: {epsilon_budget: 1.0}
  public: {epsilon_budget: 1.0, threshold: 50}
requesters:
  team: {tiers: [platform]}
  alice: {tiers: [vetted_researcher], aliases: ["Alice Martin <alice.martin@uni.example>"]}
  bob: {tiers: [vetted_researcher]}
  carol: {tiers: [vetted_researcher], aliases: ["carol@uni.example"]}
  press: {tiers: [public]}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A small run with its event log, written to disk (no session current), a policy and a project key."""
    d = tmp_path_factory.mktemp("privacy")
    res = cp.run(small_world(output={"events": True}), progress=False)
    res.write(d / "run")
    (d / "policy.yaml").write_text(POLICY)
    # the key comes from an ingest (as in the CLI test): ingest also creates it with mode 0600
    (d / "logs.csv").write_text("user_id,item_id,timestamp,event,name\nu1,3,1,click,Ann\nu2,5,2,click,Bob\n"
                                "u1,4,3,view,Ann\n")
    info = cp.privacy.ingest(d / "logs.csv", key=d / "project.key", out=d / "ingested")
    return {"dir": d, "res": res, "run": d / "run", "policy": d / "policy.yaml", "key": d / "project.key",
            "ingest": info}


def test_ingest_pseudonymises_and_drops_columns(world):
    info = world["ingest"]
    assert info["rows"] == 3 and info["users"] == 2
    assert info["dropped_columns"] == ["name"]
    assert info["calibrated"] is False
    assert stat.S_IMODE(os.stat(world["key"]).st_mode) == 0o600
    events = pd.read_csv(world["dir"] / "ingested" / "events.csv")
    assert list(events.columns) == ["user", "item_id", "timestamp", "event"]
    assert not set(events["user"].astype(str)) & {"u1", "u2"}
    assert events["user"].nunique() == 2  # one pseudonym per user
    assert events["user"].iloc[0] == events["user"].iloc[2]  # u1's two rows


def test_load_policy_lists_granted_tiers(world):
    p = cp.privacy.load_policy(world["policy"])
    assert p.name == "py_policy"
    assert sorted(p.tiers) == ["platform", "public", "vetted_researcher"]
    assert len(p.sha256) == 64
    assert p.requesters == {"alice": ["vetted_researcher"], "bob": ["vetted_researcher"],
                            "carol": ["vetted_researcher"], "press": ["public"], "team": ["platform"]}
    assert p.requester(" ALICE.Martin@uni.example ", "vetted_researcher") == "alice"


def test_requester_names_are_normalised():
    n = cp.privacy.normalise_requester
    assert n("  Alice\u00a0  MARTIN ") == "alice martin"
    assert n("Dr A. Martin <Alice.Martin@Uni.Example>") == "alice.martin@uni.example"
    assert n("\u00c9LODIE") == "\u00e9lodie"
    with pytest.raises(cp.ScenarioError, match="empty once white space is removed"):
        n(" \u200b ")


def test_bad_policy_is_a_scenario_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nledger: l.sqlite\ntiers:\n  vetted_researcher: {mechanism: gauss}\n")
    with pytest.raises(cp.ScenarioError) as e:
        cp.privacy.load_policy(tmp_path / "bad.yaml")
    assert e.value.file.endswith("bad.yaml") and e.value.line == 4


def test_vetted_researcher_release_is_charged_and_overspend_refused(world):
    d = world["dir"]
    m = cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "alice", epsilon=0.5,
                           out=d / "v1.csv")
    assert m["tier"] == "vetted_researcher" and m["requester"] == "alice"
    assert m["mechanism"]["name"] == "discrete_laplace" and m["mechanism"]["epsilon"] == 0.5
    assert m["ledger_entry"]  # the charge, as recorded in the ledger
    assert m["budget"]["epsilon_budget"] == 1.0
    assert m["budget"]["spent_epsilon_after"] == pytest.approx(0.5, abs=1e-12)
    table = pd.read_csv(d / "v1.csv")
    assert list(table.columns) == ["arm", "source", "users", "impressions", "clicks", "status"]
    assert table["arm"].tolist() == ["engagement", "engagement", "relevance", "relevance"]
    assert table["source"].tolist() == ["organic", "injected"] * 2
    assert os.path.exists(str(d / "v1.csv") + ".manifest.json")
    # 0.5 + 0.6 > 1.0: refused before anything is written or charged
    with pytest.raises(cp.ScenarioError, match="refused"):
        cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "alice", epsilon=0.6,
                           out=d / "v2.csv")
    assert not os.path.exists(d / "v2.csv")
    # the refused request cost nothing: 0.5 + 0.25 fits and is what the ledger then shows
    m3 = cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "alice", epsilon=0.25,
                            out=d / "v3.csv")
    assert m3["budget"]["spent_epsilon_after"] == pytest.approx(0.75, abs=1e-12)
    # another requester has a budget of their own
    m4 = cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "bob", epsilon=0.5,
                            out=d / "v4.csv")
    assert m4["budget"]["spent_epsilon_after"] == pytest.approx(0.5, abs=1e-12)


def test_spellings_of_one_requester_share_one_budget(world):
    d = world["dir"]
    m = cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "  CAROL ", epsilon=0.7,
                           out=d / "c1.csv")
    assert m["requester"] == "carol" and m["requester_as_given"] == "  CAROL "
    # 0.7 of 1.0 spent: her address, or a display name in front of it, is the same budget
    for spelling in ["carol@uni.example", "Somebody Else <CAROL@UNI.EXAMPLE>", "Carol"]:
        with pytest.raises(cp.ScenarioError, match=r"release refused: requester 'carol' has spent epsilon 0\.7"):
            cp.privacy.release(world["run"], world["policy"], "vetted_researcher", spelling, epsilon=0.4,
                               out=d / "c2.csv")
    # a name the policy does not list is refused, not given a budget of its own
    with pytest.raises(cp.ScenarioError, match=r"requester 'carol2@uni.example' \(normalised: 'carol2@uni.example'\) "
                                               r"is not listed under requesters:"):
        cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "carol2@uni.example", epsilon=0.4,
                           out=d / "c2.csv")
    assert not os.path.exists(d / "c2.csv")
    m2 = cp.privacy.release(world["run"], world["policy"], "vetted_researcher", "carol@uni.example", epsilon=0.3,
                            out=d / "c3.csv")
    assert m2["budget"]["spent_epsilon_after"] == pytest.approx(1.0, abs=1e-12)


def test_core_release_refuses_a_tier_the_requester_does_not_hold(world):
    # straight to the engine, past the Python session and its checks: the engine refuses
    d = world["dir"]
    policy = cp.privacy.load_policy(world["policy"])
    with pytest.raises(cp.ScenarioError) as e:
        cp._core.release(policy, str(world["run"]), "platform", "Alice Martin <alice.martin@uni.example>", 0.0, 0.0,
                         str(d / "stolen.csv"), str(world["key"]))
    assert "requester 'alice' (asked as 'Alice Martin <alice.martin@uni.example>') does not hold the tier " \
           "'platform'" in str(e.value)
    assert "requesters.alice.tiers grants vetted_researcher" in str(e.value)
    assert e.value.file.endswith("policy.yaml") and e.value.line == 9
    with pytest.raises(cp.ScenarioError, match="does not hold the tier 'vetted_researcher'"):
        cp._core.release(policy, str(world["run"]), "vetted_researcher", "press", 0.5, 0.0, str(d / "stolen.csv"), "")
    with pytest.raises(cp.ScenarioError, match="is not listed under requesters:"):
        cp._core.release(policy, str(world["run"]), "platform", "root", 0.0, 0.0, str(d / "stolen.csv"),
                         str(world["key"]))
    assert not os.path.exists(d / "stolen.csv")


def test_manifest_reports_delta_below_one_over_n(world):
    d = world["dir"]
    m = cp.privacy.release(world["run"], world["policy"], "public", "press", epsilon=0.25, out=d / "pub.csv")
    g = m["guarantee"]
    assert g["users"] == 300 and g["delta_cap"] == pytest.approx(1 / 300)
    assert g["this_release"] == {"epsilon": 0.25, "delta": 0, "how": "pure epsilon-DP (discrete Laplace)"}
    assert g["composed"]["epsilon"] == pytest.approx(0.25) and g["composed"]["delta"] == 0
    assert g["composed"]["delta"] < g["delta_cap"]
    assert "delta" not in m["mechanism"]
    # whom it covers: each user's own rows, not that user's influence on other users' rows
    assert g["covers"].startswith("each user's own rows of the table's input")
    assert "does not cover the influence of one user on other users' rows" in g["covers"]


def test_epsilon_that_underflows_to_zero_says_so(world):
    d = world["dir"]
    tiny = float("1e-400")
    assert tiny == 0.0
    with pytest.raises(cp.ScenarioError, match="epsilon must be positive and finite, got 0"):
        cp.privacy.release(world["run"], world["policy"], "public", "press", epsilon=tiny, out=d / "u.csv")
    with pytest.raises(cp.ScenarioError, match="epsilon must be positive and finite, got -0.5"):
        cp.privacy.release(world["run"], world["policy"], "public", "press", epsilon=-0.5, out=d / "u.csv")
    assert not os.path.exists(d / "u.csv")


def test_example_policies_ship_and_release(world, tmp_path):
    assert cp.privacy.EXAMPLE_POLICIES == ["in_house", "vetted_researcher", "ngo", "public"]
    for name in cp.privacy.EXAMPLE_POLICIES:
        assert cp.privacy.load_policy(cp.privacy.example_policy(name)).name == name
    path = cp.privacy.example_policy("vetted_researcher", to=tmp_path / "project")
    assert path == str(tmp_path / "project" / "vetted_researcher.yaml")
    m = cp.privacy.release(world["run"], path, "vetted_researcher", "Dr Alice Martin <alice.martin@uni.example>",
                           epsilon=0.5, out=tmp_path / "r.csv")
    assert m["requester"] == "alice.martin@uni.example"
    assert os.path.exists(tmp_path / "project" / "ledger.sqlite")
    with pytest.raises(cp.CounterpointError, match="no example policy 'root'"):
        cp.privacy.example_policy("root")


def _tamper(ledger, sql):
    """Raw SQL on the ledger, as someone with write access to its file would run it."""
    db = sqlite3.connect(str(ledger))
    db.executescript(sql)
    db.commit()
    db.close()


def test_a_tampered_ledger_is_refused_naming_the_file_and_the_row(world, tmp_path):
    (tmp_path / "policy.yaml").write_text(POLICY)
    ledger = tmp_path / "ledger.sqlite"
    release = lambda eps, out: cp.privacy.release(world["run"], tmp_path / "policy.yaml", "public", "press",
                                                  epsilon=eps, out=tmp_path / out)
    release(0.9, "1.csv")
    shutil.copyfile(ledger, tmp_path / "backup.sqlite")
    # her spend rewritten to nothing past the triggers (INSERT OR REPLACE fires no DELETE trigger)
    _tamper(ledger, "INSERT OR REPLACE INTO audit SELECT id, at_utc, dataset, requester, tier, what, 0, rho, delta, "
                    "hash FROM audit WHERE id = 1")
    with pytest.raises(cp.ScenarioError, match="row 1 of the audit log does not match its hash") as e:
        release(1.0, "2.csv")
    assert e.value.file == str(ledger)
    assert not os.path.exists(tmp_path / "2.csv")
    # the trigger dropped: refused for that alone
    shutil.copyfile(tmp_path / "backup.sqlite", ledger)
    release(0.05, "3.csv")
    _tamper(ledger, "DROP TRIGGER audit_no_delete")
    with pytest.raises(cp.ScenarioError, match="the trigger audit_no_delete .* has been dropped"):
        release(0.01, "4.csv")
    # rolled back to the copy taken after the first release: the anchor records 2 rows
    shutil.copyfile(tmp_path / "backup.sqlite", ledger)
    with pytest.raises(cp.ScenarioError, match=r"the ledger holds 1 rows but its anchor .* records 2: rows 2\.\.2 "
                                               r"have been deleted, or the ledger was rolled back"):
        release(0.05, "5.csv")
    assert not any(os.path.exists(tmp_path / f) for f in ["4.csv", "5.csv"])


def test_a_copy_of_a_bound_policy_elsewhere_gets_no_fresh_budget(world, tmp_path):
    gate, elsewhere = tmp_path / "gate", tmp_path / "elsewhere"
    gate.mkdir()
    elsewhere.mkdir()
    (gate / "policy.yaml").write_text(POLICY)
    release = lambda policy, eps, out: cp.privacy.release(world["run"], policy, "public", "press", epsilon=eps,
                                                          out=tmp_path / out)
    m = release(gate / "policy.yaml", 0.9, "1.csv")
    # the first release bound the policy to its ledger
    policy = cp.privacy.load_policy(gate / "policy.yaml")
    assert len(policy.ledger_id) == 32 and m["ledger_id"] == policy.ledger_id
    assert (gate / "policy.yaml").read_text().startswith(POLICY)
    shutil.copyfile(gate / "policy.yaml", elsewhere / "policy.yaml")
    with pytest.raises(cp.ScenarioError, match="no budget ledger here, but the policy .* is bound to the ledger "
                                               + policy.ledger_id) as e:
        release(elsewhere / "policy.yaml", 0.5, "2.csv")
    assert e.value.file == str(elsewhere / "ledger.sqlite")
    assert not os.path.exists(elsewhere / "ledger.sqlite") and not os.path.exists(tmp_path / "2.csv")
    # the ledger deleted where it lived: not created afresh either
    os.rename(gate / "ledger.sqlite", tmp_path / "saved.sqlite")
    with pytest.raises(cp.ScenarioError, match="is bound to the ledger"):
        release(gate / "policy.yaml", 0.5, "2.csv")
    assert not os.path.exists(gate / "ledger.sqlite")


def test_a_rerun_or_an_edited_manifest_gets_no_fresh_budget(world, tmp_path):
    (tmp_path / "policy.yaml").write_text(POLICY)
    release = lambda run, eps, out: cp.privacy.release(run, tmp_path / "policy.yaml", "public", "press", epsilon=eps,
                                                       out=tmp_path / out)
    m = release(world["run"], 0.8, "1.csv")
    assert m["dataset"] == "project:py_policy"  # the policy's project (its name, as it names none)
    # a re-run with another seed and description: another scenario hash, the same budget
    rerun = cp.run(small_world(output={"events": True}, seed=8, description="a re-run"), progress=False)
    rerun.write(tmp_path / "rerun")
    # the first run's manifest edited: another scenario hash and name
    shutil.copytree(world["run"], tmp_path / "edited")
    manifest = json.loads((tmp_path / "edited" / "manifest.json").read_text())
    assert manifest["scenario_sha256"] != json.loads((tmp_path / "rerun" / "manifest.json").read_text())[
        "scenario_sha256"]
    manifest["scenario_sha256"] = "0" * 64
    manifest["resolved_scenario"]["name"] = "another study"
    (tmp_path / "edited" / "manifest.json").write_text(json.dumps(manifest))
    for run in ["rerun", "edited"]:
        with pytest.raises(cp.ScenarioError, match=r"requester 'press' has spent epsilon 0\.8 \(delta 0\) on dataset "
                                                   r"project:py_policy"):
            release(tmp_path / run, 0.5, "2.csv")
    assert not os.path.exists(tmp_path / "2.csv")
    assert release(tmp_path / "rerun", 0.2, "3.csv")["guarantee"]["composed"]["epsilon"] == pytest.approx(1.0)


def test_tier_not_granted_and_wrong_parameter_are_scenario_errors(world):
    d = world["dir"]
    with pytest.raises(cp.ScenarioError):
        cp.privacy.release(world["run"], world["policy"], "ngo", "ngo_a", epsilon=0.1, out=d / "n.csv")
    with pytest.raises(cp.ScenarioError, match="epsilon"):
        cp.privacy.release(world["run"], world["policy"], "public", "press", rho=0.1, out=d / "n.csv")
    with pytest.raises(cp.ScenarioError):
        cp.privacy.release(world["run"], world["policy"], "admin", "x", epsilon=0.1, out=d / "n.csv")
    assert not os.path.exists(d / "n.csv")


def test_platform_release_pseudonymises_every_user(world):
    d = world["dir"]
    m = cp.privacy.release(world["run"], world["policy"], "platform", "team", out=d / "traj.csv", key=world["key"])
    imp = world["res"].impressions
    traj = pd.read_csv(d / "traj.csv", dtype={"user": str})
    assert m["rows"] == len(traj) == len(imp)
    assert m["users"] == imp["user"].nunique() == traj["user"].nunique()
    assert m["guarantee"]["covers"].startswith("nobody: the platform tier receives per-user trajectories")
    assert (traj["user"].str.len() == 32).all()
    assert not set(traj["user"]) & set(imp["user"].astype(str))
    # row for row the same events, only the user column replaced
    assert traj["item"].tolist() == imp["item"].tolist()
    assert traj["step"].tolist() == imp["step"].tolist()
    # the pseudonym is a function of the user: equal ids <-> equal pseudonyms
    pairs = pd.DataFrame({"raw": imp["user"].to_numpy(), "pseudo": traj["user"].to_numpy()}).drop_duplicates()
    assert pairs["raw"].is_unique and pairs["pseudo"].is_unique


def test_public_session_refuses_raw_data_naming_tier_and_policy(world):
    res = world["res"]
    res.impressions  # cached before the session: still refused inside it
    policy_file = str(world["policy"])
    with cp.privacy.session(world["policy"], "public", "press") as s:
        assert s.tier == "public" and s.requester == "press" and cp.privacy.current_session() is s
        with pytest.raises(PermissionError) as e:
            res.impressions
        msg = str(e.value)
        assert "'public'" in msg and "py_policy" in msg and policy_file in msg
        assert isinstance(e.value, cp.AccessDeniedError) and e.value.tier == "public"
        assert policy_file in e.value.policy
        with pytest.raises(PermissionError) as e2:
            cp.privacy.read_trajectories(world["run"], world["key"])
        assert "raw trajectories" in str(e2.value) and "'public'" in str(e2.value) and policy_file in str(e2.value)
        with pytest.raises(PermissionError):  # the platform release would hand out trajectories
            cp.privacy.release(world["run"], world["policy"], "platform", "team", out=world["dir"] / "t2.csv",
                               key=world["key"])
        with pytest.raises(PermissionError):  # nor may the event log be written out
            res.write(world["dir"] / "copy")
        # aggregates stay readable
        assert len(res.metrics) == 2 * 6
        assert set(res.summary["arms"]) == {"engagement", "relevance"}
        assert len(res.moderation.columns) == 7
    assert cp.privacy.current_session() is None
    assert not os.path.exists(world["dir"] / "t2.csv")
    assert len(res.impressions) > 0  # no session: readable again


def test_vetted_session_refuses_simulation_state(world):
    sim = cp.Simulation(small_world(steps=1), arm="engagement")
    sim.run()
    with cp.privacy.session(world["policy"], "vetted_researcher", "alice"):
        with pytest.raises(PermissionError, match="vetted_researcher"):
            sim.population
        with pytest.raises(PermissionError):
            sim.last_slates
        assert len(sim.metrics) == 1


def test_platform_session_reads_pseudonymised_trajectories(world):
    res = world["res"]
    with cp.privacy.session(world["policy"], "platform", "team") as s:
        imp = res.impressions  # readable
        traj = s.read_trajectories(world["run"], world["key"])
        same = cp.privacy.read_trajectories(world["run"], world["key"])
    assert list(traj.columns) == list(imp.columns)
    assert len(traj) == len(imp)
    assert traj.equals(same)
    for col in ["step", "replicate", "item", "position", "clicked", "dismissed"]:
        assert traj[col].tolist() == imp[col].tolist(), col
    assert traj["arm"].astype(str).tolist() == imp["arm"].astype(str).tolist()
    assert traj["source"].astype(str).tolist() == imp["source"].astype(str).tolist()
    assert not set(traj["user"]) & set(imp["user"].astype(str))
    # the same pseudonyms as the platform release under the same key
    cp.privacy.release(world["run"], world["policy"], "platform", "team", out=world["dir"] / "traj_again.csv",
                       key=world["key"])
    released = pd.read_csv(world["dir"] / "traj_again.csv", dtype={"user": str})
    assert traj["user"].tolist() == released["user"].tolist()


def test_sessions_nest_and_need_a_granted_tier(world):
    with pytest.raises(cp.ScenarioError):
        cp.privacy.session(world["policy"], "ngo", "alice")  # not granted by the policy
    with pytest.raises(cp.ScenarioError):
        cp.privacy.session(world["policy"], "root", "alice")
    # a session is a listed requester's, in a tier that requester holds, in any spelling
    with pytest.raises(cp.ScenarioError, match="is not listed under requesters:"):
        cp.privacy.session(world["policy"], "public", "mallory")
    with pytest.raises(cp.ScenarioError, match="does not hold the tier"):
        cp.privacy.session(world["policy"], "platform", "alice")
    assert cp.privacy.session(world["policy"], "vetted_researcher", "Alice Martin <alice.martin@uni.example>").requester == "alice"
    with cp.privacy.session(world["policy"], "platform", "team"):
        with cp.privacy.session(world["policy"], "public", "press"):
            with pytest.raises(PermissionError):
                world["res"].impressions
        assert len(world["res"].impressions) > 0
    with pytest.raises(cp.CounterpointError, match="needs a session"):
        cp.privacy.read_trajectories(world["run"], world["key"])


def test_access_denied_error_pickles():
    err = cp.AccessDeniedError("reading x is not permitted", "public", "p (p.yaml)")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, PermissionError) and str(back) == str(err)
    assert back.tier == "public" and back.policy == "p (p.yaml)"


def test_ledger_shows_binds_and_sums_what_was_spent(world, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    state = cp.privacy.ledger(policy)
    assert state["exists"] is False and state["bound"] is False
    assert not (tmp_path / "ledger.sqlite").exists()  # looking creates nothing
    bound = cp.privacy.ledger(policy, bind=True)
    assert bound["bound"] is True and bound["rows"] == 0 and len(bound["id"]) == 32
    assert cp.privacy.load_policy(policy).ledger_id == bound["id"]
    # a copy made after binding is a bound policy whose ledger is elsewhere: refused, nothing created
    (tmp_path / "copy").mkdir()
    shutil.copyfile(policy, tmp_path / "copy" / "policy.yaml")
    with pytest.raises(cp.ScenarioError, match="is bound to the ledger " + bound["id"]):
        cp.privacy.ledger(tmp_path / "copy" / "policy.yaml")
    assert not (tmp_path / "copy" / "ledger.sqlite").exists()
    cp.privacy.release(world["run"], policy, "vetted_researcher", "alice", epsilon=0.25, out=tmp_path / "a1.csv")
    cp.privacy.release(world["run"], policy, "vetted_researcher", "Alice Martin <alice.martin@uni.example>",
                       epsilon=0.5, out=tmp_path / "a2.csv")
    cp.privacy.release(world["run"], policy, "public", "press", epsilon=0.125, out=tmp_path / "p.csv")
    after = cp.privacy.ledger(policy)
    assert after["rows"] == 3 and after["id"] == bound["id"]
    assert after["audit"]["requester"].tolist() == ["alice", "alice", "press"]
    spent = after["spent"].set_index("requester")
    assert spent.loc["alice", "releases"] == 2
    assert spent.loc["alice", "composed_epsilon"] == pytest.approx(0.75)  # pure DP: 0.25 + 0.5
    assert spent.loc["alice", "epsilon_budget"] == 1.0
    assert spent.loc["press", "composed_epsilon"] == pytest.approx(0.125)
