#!/usr/bin/python3
"""The result tables in README.md (and docs/validity.md's copy), from the shipped scenarios.

Runs scenarios/rabbit_hole.yaml and scenarios/negative_control.yaml at their shipped
replicate counts (the commands are printed) and puts the summary table each prints
between the markers <!-- readme:SCENARIO:begin --> and <!-- readme:SCENARIO:end --> of
README.md and of docs/validity.md where it has them, with the commit it was made at.
Refuses a tree with uncommitted changes: the numbers must belong to a commit.

Usage: /usr/bin/python3 scripts/readme_results.py [--threads 2]
(about 2 minutes on 2 cores; the build must exist: bash scripts/setup.sh)."""
import os
import subprocess
import tempfile

from docs_markers import CLI, ROOT, argument_parser, committed_head, require_cli, show_command, write_between

SCENARIOS = ["rabbit_hole", "negative_control"]


def table(scenario, threads):
    """The summary table `counterpoint run` prints for scenarios/<scenario>.yaml."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [CLI, "run", os.path.join(ROOT, "scenarios", scenario + ".yaml"), "--quiet", "--threads", str(threads),
               "--out", out]
        show_command(cmd, ROOT)
        text = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        # the table and its legend; not the line naming the temporary files written
        return "\n".join(line for line in text.splitlines() if not line.startswith("Wrote "))


def main():
    ap = argument_parser(__doc__)
    args = ap.parse_args()
    require_cli("readme_results.py")
    commit = committed_head(ROOT, "readme_results.py")
    for scenario in SCENARIOS:
        body = (f"<!-- made by scripts/readme_results.py at commit {commit} -->\n```\n"
                f"{table(scenario, args.threads)}\n```")
        begin, end = f"<!-- readme:{scenario}:begin -->", f"<!-- readme:{scenario}:end -->"
        write_between(os.path.join(ROOT, "README.md"), begin, end, body, "readme_results.py")
        validity = os.path.join(ROOT, "docs", "validity.md")
        with open(validity) as f:
            if begin in f.read():
                write_between(validity, begin, end, body, "readme_results.py")


if __name__ == "__main__":
    main()
