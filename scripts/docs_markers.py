"""What the scripts that regenerate numbers in docs/ and the README share: the checkout and
the command they run (located and checked the same way), their common --threads option,
replacing the text between two markers of a file atomically, the commit the numbers
belong to, and the commands they run, printed."""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.environ.get("COUNTERPOINT_CLI", os.path.join(ROOT, "build", "cli", "counterpoint"))


def argument_parser(doc):
    """A parser described by the first line of `doc`, with --threads (default: every core)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    return ap


def require_cli(who):
    """Exits naming `who` when the command is not built."""
    if not os.access(CLI, os.X_OK):
        sys.exit(f"{who}: {CLI} not found; build first: bash scripts/setup.sh")


def write_between(path, begin, end, body, who):
    """Puts `body` between the lines `begin` and `end` of `path`; exits naming `who` if they are missing."""
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        sys.exit(f"{who}: {path} lacks the markers {begin} ... {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path + ".tmp", "w") as f:
        f.write(head + begin + "\n" + body + "\n" + end + tail)
    os.replace(path + ".tmp", path)


def head_commit(root, short=True):
    """The checkout's HEAD commit (abbreviated unless short is False)."""
    cmd = ["git", "-C", root, "rev-parse"] + (["--short"] if short else []) + ["HEAD"]
    return subprocess.run(cmd, capture_output=True, text=True).stdout.strip()


def has_uncommitted_changes(root):
    """Whether tracked files differ from HEAD (numbers made from them would name no commit)."""
    return bool(subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip())


def committed_head(root, who):
    """HEAD's abbreviated commit; exits naming `who` if the tree has uncommitted changes."""
    if has_uncommitted_changes(root):
        sys.exit(f"{who}: the tree has uncommitted changes; commit first so the numbers name a commit")
    return head_commit(root)


def show_command(cmd, root):
    """Prints a command to stderr, with paths inside the checkout relative to it."""
    print("  " + " ".join(os.path.relpath(c, root) if c.startswith(root) else c for c in cmd), file=sys.stderr,
          flush=True)


def run_scenario(scenario, out, threads, replicates=0, sets=(), arms=None):
    """Runs `counterpoint run` on the scenario file into `out` (printing the command): `replicates` (0 = the
    shipped count), `--set` overrides and the arms to run (None = all)."""
    cmd = [CLI, "run", scenario, "--quiet", "--threads", str(threads), "--out", out]
    if replicates:
        cmd += ["--set", f"replicates={replicates}"]
    if arms:
        cmd += ["--arms", ",".join(arms)]
    cmd += [f"--set={s}" for s in sets]
    show_command(cmd, ROOT)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def run_shipped(who, scenario, files, threads):
    """For a script named `who`: checks that the command is built and the tree committed, runs the
    scenario file as shipped (printing the command) and returns (HEAD's commit, {name: text} of the
    named files of its output directory)."""
    require_cli(who)
    commit = committed_head(ROOT, who)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        run_scenario(scenario, out, threads)
        texts = {}
        for name in files:
            with open(os.path.join(out, name)) as f:
                texts[name] = f.read()
    return commit, texts


def mean_ci(values, share=False):
    """(mean, low, high) of per-replicate values: the engine's mean and 95% interval (core/stats.h:
    Student's t, on the logit scale for shares, as the summaries give them; NaN where undefined),
    from this checkout's build of the Python package."""
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))
    import counterpoint
    e = counterpoint.mean_ci([float(v) for v in values], kind="share" if share else "level")
    return e["mean"], e["ci95_low"], e["ci95_high"]
