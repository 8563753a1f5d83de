#!/usr/bin/python3
"""The engagement-vs-relevance segregation table in docs/graph.md, from the shipped scenario.

Runs scenarios/rabbit_hole.yaml with the induced graph recorded (3 replicates; arms
engagement, relevance, random_sample), audits each arm's graph per replicate with
`counterpoint audit` (harmful set {borderline, extremist}, exact segregation, no walkers),
and writes, between <!-- graph-results:begin --> and <!-- graph-results:end --> of
docs/graph.md, the graphs' sizes and the table: harmful nodes per replicate, mean and
maximum segregation (mean over replicates, Student-t 95% CI) and the paired difference
from the engagement arm, with the commit it was made at. Refuses a tree with uncommitted
changes. The commands are printed.

Usage: /usr/bin/python3 scripts/graph_results.py [--threads 2]
(about 3 minutes on 2 cores; the build must exist: bash scripts/setup.sh)."""
import json
import math
import os
import subprocess
import sys
import tempfile

from docs_markers import CLI, ROOT, argument_parser, committed_head, require_cli, show_command, write_between

ARMS = ["engagement", "relevance", "random_sample"]
REPLICATES = 3
# two-sided 95% Student-t quantiles by degrees of freedom
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def mean_ci(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
    h = T975[len(xs) - 1] * sd / math.sqrt(len(xs))
    return m, m - h, m + h


def split(path, replicate, out):
    """The rows of one replicate (ids prefixed r<replicate>:) and the header."""
    prefix = f"r{replicate}:"
    with open(path) as f, open(out, "w") as g:
        for i, line in enumerate(f):
            if i == 0 or line.startswith(prefix):
                g.write(line)


def main():
    ap = argument_parser(__doc__)
    args = ap.parse_args()
    require_cli("graph_results.py")
    commit = committed_head(ROOT, "graph_results.py")
    audits = {}  # (arm, replicate) -> audit json
    with tempfile.TemporaryDirectory() as tmp:
        run = os.path.join(tmp, "run")
        cmd = [CLI, "run", os.path.join(ROOT, "scenarios", "rabbit_hole.yaml"), "--quiet", "--threads",
               str(args.threads), "--out", run, "--set", "output.graph=true", "--set", f"replicates={REPLICATES}",
               "--arms", ",".join(ARMS)]
        show_command(cmd, ROOT)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        for arm in ARMS:
            for r in range(REPLICATES):
                files = {}
                for kind in ("nodes", "edges"):
                    files[kind] = os.path.join(tmp, f"{arm}_r{r}_{kind}.csv")
                    split(os.path.join(run, "graph", f"{arm}_{kind}.csv"), r, files[kind])
                out = os.path.join(tmp, f"audit_{arm}_r{r}.json")
                cmd = [CLI, "audit", "--nodes", files["nodes"], "--edges", files["edges"], "--harmful",
                       "borderline,extremist", "--walkers", "0", "--out", out]
                show_command(cmd, ROOT)
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                with open(out) as f:
                    audits[(arm, r)] = json.load(f)

    def seg(arm, r, key):
        return float(audits[(arm, r)]["harmful_sets"][0]["segregation"][key])

    sizes = []
    for arm in ARMS:
        nodes = sum(audits[(arm, r)]["graph"]["nodes"] for r in range(REPLICATES)) / REPLICATES
        edges = sum(audits[(arm, r)]["graph"]["edges"] for r in range(REPLICATES)) / REPLICATES
        sizes.append(f"{nodes:,.0f} nodes and {edges:,.0f} edges ({arm})")
    lines = [f"<!-- made by scripts/graph_results.py at commit {commit} -->",
             "Per replicate, the graphs have (after pruning, mean over the replicates) " + ", ".join(sizes) + ".",
             "", "| arm | harmful nodes per replicate | mean segregation | max segregation | "
             "mean difference from engagement |", "| --- | --- | --- | --- | --- |"]
    fmt = "{:.3f} [{:.3f}, {:.3f}]"
    for arm in ARMS:
        harmful = ", ".join(str(len(audits[(arm, r)]["harmful_sets"][0]["segregation"]["per_node"]))
                            for r in range(REPLICATES))
        mean = mean_ci([seg(arm, r, "mean") for r in range(REPLICATES)])
        mx = mean_ci([seg(arm, r, "max") for r in range(REPLICATES)])
        diff = "—" if arm == "engagement" else fmt.format(
            *mean_ci([seg(arm, r, "mean") - seg("engagement", r, "mean") for r in range(REPLICATES)]))
        lines.append(f"| {arm} | {harmful} | {fmt.format(*mean)} | {fmt.format(*mx)} | {diff} |")
    mx_diff = mean_ci([seg("relevance", r, "max") - seg("engagement", r, "max") for r in range(REPLICATES)])
    lines += ["", "Difference in the maximum, relevance − engagement: " + fmt.format(*mx_diff) + "."]
    write_between(os.path.join(ROOT, "docs", "graph.md"), "<!-- graph-results:begin -->", "<!-- graph-results:end -->",
                  "\n".join(lines), "graph_results.py")
    print("wrote docs/graph.md (engagement vs relevance)", file=sys.stderr)


if __name__ == "__main__":
    main()
