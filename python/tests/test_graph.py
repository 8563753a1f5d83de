"""Graph audit and rewiring: the same numbers as the CLI, results as DataFrames."""
import json
import subprocess

import numpy as np
import pytest

import counterpoint as cp


@pytest.fixture(scope="module")
def audit(request):
    root = request.config.rootpath if False else None
    from conftest import ROOT
    return cp.GraphAudit(ROOT / "scenarios" / "recfluence_audit.yaml", walkers=2000), ROOT


def test_audit_matches_the_cli(audit, tmp_path):
    ga, root = audit
    res = ga.audit()
    cli = root / "build" / "cli" / "counterpoint"
    if not cli.exists():
        pytest.skip("no CLI build")
    out = tmp_path / "audit.json"
    subprocess.run([str(cli), "audit", str(root / "scenarios" / "recfluence_audit.yaml"), "--walkers", "2000",
                    "--out", str(out)], check=True, capture_output=True, cwd=root)
    want = json.load(open(out))
    for got_h, want_h in zip(res.data["harmful_sets"], want["harmful_sets"]):
        assert got_h["segregation"]["max"] == want_h["segregation"]["max"]
        assert got_h["reach_within_k"]["exact"] == want_h["reach_within_k"]["exact"]


def test_audit_frames(audit):
    ga, _ = audit
    res = ga.audit()
    seg = res.segregation
    assert {"harmful_set", "id", "label", "name", "segregation", "truncated_radius"} <= set(seg.columns)
    summary = res.segregation_summary.set_index("harmful_set")
    for name, g in seg.groupby("harmful_set"):
        assert g["segregation"].max() == pytest.approx(summary.loc[name, "max"])
        assert g["segregation"].mean() == pytest.approx(summary.loc[name, "mean"])
        # the truncated radius counts at most the horizon's steps, so never more than segregation
        assert (g["truncated_radius"] <= g["segregation"] + 1e-12).all()
    # label flow rows are distributions over target labels (or what ended)
    flow = res.label_flow
    assert list(flow.index) == list(flow.columns)
    reach = res.reach
    assert (np.diff(reach[reach.harmful_set == "alt_right"]["exact"]) >= -1e-12).all()  # reach within k grows in k
    assert set(ga.nodes["label"].cat.categories) == {"Alt-lite", "Alt-right", "IDW", "Other"}
    assert len(ga.nodes) == 142


def test_rewiring_starts_from_the_audit(audit):
    ga, _ = audit
    audit_res = ga.audit()
    rw = ga.with_settings(budget=3).rewire()
    t = rw.trajectory
    for h in audit_res.data["harmful_sets"]:
        first = t[(t.harmful_set == h["name"]) & (t.operations == 0)]["max_segregation"].item()
        assert first == pytest.approx(h["segregation"]["max_finite"], rel=1e-9)
    assert len(rw.operations) <= 3 * 2
    assert {"u", "v", "w", "prob", "relevance_ratio"} <= set(rw.operations.columns)


def test_graph_from_flags(audit):
    _, root = audit
    ga = cp.GraphAudit(recfluence=root / "datasets" / "recfluence-2018", harmful=["Alt-right"], k=3, walkers=100)
    assert ga.config.reach_k == 3 and ga.config.harmful == [("Alt-right", ["Alt-right"])]
    assert len(ga.audit().reach) == 4


def test_audit_needs_harmful_labels(audit):
    _, root = audit
    with pytest.raises(ValueError):
        cp.GraphAudit(recfluence=root / "datasets" / "recfluence-2018")


def test_a_maximum_over_no_finite_node_is_nan_and_says_what_it_excluded(tmp_path):
    # b <-> c never leave, so every harmful node is trapped
    (tmp_path / "nodes.csv").write_text("id,label\na,Other\nb,Alt-right\nc,Alt-right\nd,Other\n")
    (tmp_path / "edges.csv").write_text("src,dst,weight\na,b,1\nb,c,1\nc,b,1\nd,a,1\n")
    rw = cp.GraphAudit(nodes=tmp_path / "nodes.csv", edges=tmp_path / "edges.csv", harmful=["Alt-right"]).rewire()
    t = rw.trajectory
    assert len(t) == 1
    assert np.isnan(t.max_segregation.item()) and np.isnan(t.mean_segregation.item())
    assert t.finite.item() == 0 and t.trapped.item() == 2
    assert "every harmful node is trapped" in rw.data["harmful_sets"][0]["rewiring"]["stopped"]


def test_group_flows_from_python_match_a_hand_computation(tmp_path):
    # fringe a0, a1; mainstream b0, b1; P(a0 -> b0) = 3/4, P(b0 -> a0) = 1/5; views 1, 1, 4, 4
    (tmp_path / "nodes.csv").write_text("id,label,views\na0,fringe,1\na1,fringe,1\nb0,main,4\nb1,main,4\n")
    (tmp_path / "edges.csv").write_text("src,dst,weight\na0,a1,1\na0,b0,3\na1,a0,1\nb0,b1,4\nb0,a0,1\nb1,b0,1\n")
    ga = cp.GraphAudit(nodes=tmp_path / "nodes.csv", edges=tmp_path / "edges.csv", harmful=["fringe"], walkers=0,
                       group_flows=[("fringe", ["fringe"], "attribute:views"), ("fringe_u", ["fringe"], "uniform")])
    assert ga.config.group_flows[0] == ("fringe", ["fringe"], "attribute:views")
    flows = ga.audit().group_flow.set_index("name")
    assert flows.loc["fringe", "out"] == pytest.approx(0.1 * 0.75)
    assert flows.loc["fringe", "in"] == pytest.approx(0.4 * 0.2)
    assert flows.loc["fringe_u", "ratio"] == pytest.approx(0.1875 / 0.05)
    with pytest.raises(ValueError, match="not uniform or attribute:NAME"):
        ga.config.group_flows = [("x", ["fringe"], "views")]
