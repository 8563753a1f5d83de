#!/usr/bin/python3
"""The Recfluence flows tables in docs/replications.md (Ribeiro et al. 2020; Ledwich & Zaitsev 2020).

Runs `counterpoint audit scenarios/replicate_recfluence_flows.yaml` (exact graph computations
and 20,000 bot walks, seed 2020) and writes, between <!-- replication-recfluence:begin -->
and <!-- replication-recfluence:end --> of docs/replications.md, with the commit they were
made at: the exact reach of Alt-right channels within 1..5 steps from walks that start at a
uniformly chosen channel of each group, the bots' Monte Carlo reach from the whole graph
beside the exact value, and the view-weighted (and uniform) recommendation flows from each
fringe group to the rest and back. Refuses a tree with uncommitted changes. The command is
printed.

Usage: /usr/bin/python3 scripts/replication_graph_flows.py   (about a second; the build must
exist: bash scripts/setup.sh)."""
import json
import os
import subprocess
import tempfile

from docs_markers import CLI, ROOT, argument_parser, committed_head, require_cli, show_command, write_between

BEGIN, END = "<!-- replication-recfluence:begin -->", "<!-- replication-recfluence:end -->"
GROUPS = ["IDW", "Alt-lite", "Other", "Alt-right"]


def main():
    argument_parser(__doc__).parse_args()
    who = "replication_graph_flows.py"
    require_cli(who)
    commit = committed_head(ROOT, who)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "audit.json")
        cmd = [CLI, "audit", os.path.join(ROOT, "scenarios", "replicate_recfluence_flows.yaml"), "--out", out]
        show_command(cmd, ROOT)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            audit = json.load(f)
    g = audit["graph"]
    counts = g["label_counts"]
    reach = next(h for h in audit["harmful_sets"] if h["name"] == "alt_right")["reach_within_k"]
    k = reach["k"]
    lines = [f"<!-- made by scripts/replication_graph_flows.py at commit {commit} -->",
             f"Graph: {g['nodes']} channels and {g['edges']:,} edges after pruning {len(g['pruned'])} "
             f"(sink policy {g['sink_policy']}); " + ", ".join(f"{l} {counts[l]}" for l in GROUPS) +
             f". Data: {audit['data_dates']}.", "",
             "**Reach of Alt-right** (exact): probability that a walk following the recommendations, "
             "started at a uniformly chosen channel of the group, has visited an Alt-right channel by step s "
             "(from an Alt-right start it has, at step 0).", "",
             "| start group | channels | " + " | ".join(f"s = {s}" for s in range(1, k + 1)) + " |",
             "| --- | --- | " + " | ".join("---" for _ in range(k)) + " |"]
    for group in GROUPS:
        values = reach["by_start_group"][group]
        lines.append(f"| {group} | {counts[group]} | " + " | ".join(f"{values[s]:.4f}" for s in range(1, k + 1)) + " |")
    mc = reach["monte_carlo_bots"][k]
    lines += ["", f"From a uniformly chosen channel of the whole graph: exact {reach['exact'][k]:.4f}; "
              f"{mc['n']:,} bot walks (seed {audit['journeys']['seed']}) {mc['mean']:.4f} "
              f"[{mc['ci95_low']:.4f}, {mc['ci95_high']:.4f}] (95% Wilson interval).", "",
              "**Flows between a group and the rest** (exact; shares of all weighted recommendations, "
              "docs/graph.md):", "",
              "| group | source weight | weight of the group | group → rest | rest → group | ratio | "
              "P(leave \\| in group) | P(enter \\| outside) |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for fl in audit["group_flows"]:
        weight = "views" if fl["weight"] == "attribute" and fl["attribute"] == "views" else fl["weight"]
        ratio = fl["ratio"]
        ratio = "inf" if ratio == "inf" else ("n/a" if ratio is None else f"{ratio:.3f}")
        lines.append(f"| {' + '.join(fl['labels'])} | {weight} | {fl['weight_in_group']:.4f} | {fl['out']:.4f} | "
                     f"{fl['in']:.4f} | {ratio} | {fl['out_rate']:.4f} | {fl['in_rate']:.4f} |")
    write_between(os.path.join(ROOT, "docs", "replications.md"), BEGIN, END, "\n".join(lines), who)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
