#!/usr/bin/python3
"""Cost curves (bench/RESULTS.md, "Cost curves"): how time per step and peak memory grow
with users, items, dimension, slate size and candidates, each varied alone around one base
run, with the log-log exponent fitted by least squares.

Each point is `counterpoint run rabbit_hole --arms engagement` (drift, engagement ranking,
learning) for a few steps and one replicate: time per step from manifest.json
(step_seconds / steps, index and population build excluded: they are `build_seconds`),
peak RSS from /usr/bin/time. Run it on an idle machine after the Release build:

    /usr/bin/python3 bench/cost_curves.py [--out bench/cost_curves.jsonl] [--threads 2] [--repeat 2]
    /usr/bin/python3 bench/cost_curves.py --replot bench/cost_curves.jsonl   # tables and plot from a record

Each point runs --repeat times and keeps the fastest (another job on the machine only
adds time). It prints one markdown table per dimension, the fitted exponents and, for
memory, the least-squares slope of peak RSS against the dimension (what one more user,
item, ... costs; the exponent alone mixes it with the process's fixed part); each run's
figures go to --out as one JSON line. The items curve keeps the inverted lists at about 200 items
(nlist = round(4 sqrt(items)), the rule the 1M-item runs follow), as a platform would.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "cli", "counterpoint")
BASE = {"users": 50000, "items": 50000, "dim": 32, "slate": 10, "candidates": 100}
CURVES = {
    "users": [25000, 50000, 100000, 200000, 400000],
    "items": [25000, 50000, 100000, 200000, 400000],
    "dim": [16, 32, 64, 128],
    "slate": [5, 10, 20, 40],
    "candidates": [50, 100, 200, 400],
}


def settings(p, steps):
    nlist = round(4 * math.sqrt(p["items"]))
    return [f"population.n_users={p['users']}", f"catalog.n_items={p['items']}", f"catalog.dim={p['dim']}",
            f"recommender.slate_size={p['slate']}", f"recommender.candidates={p['candidates']}",
            f"index.factory=IVF{nlist},Flat", "index.nprobe=8", f"steps={steps}", "replicates=1"]


def measure(p, steps, threads):
    with tempfile.TemporaryDirectory() as out:
        timing = os.path.join(out, "time.txt")
        cmd = ["/usr/bin/time", "-f", "%M %e", "-o", timing, CLI, "run", "rabbit_hole", "--quiet", "--threads",
               str(threads), "--arms", "engagement", "--out", os.path.join(out, "r"), "--set"] + settings(p, steps)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        peak_kb, wall = open(timing).read().split()[-2:]
        m = json.load(open(os.path.join(out, "r", "manifest.json")))
    step = sum(t["step_seconds"] for t in m["timings"]) / steps
    search = sum(t["faiss_search_seconds"] for t in m["timings"]) / steps
    return {"step_s": step, "search_s": search, "build_s": m["build_seconds"], "peak_mb": int(peak_kb) / 1024,
            "wall_s": float(wall)}


def slope(xs, ys, log=True):
    """Least-squares slope of ys on xs (of their logarithms: the exponent)."""
    lx = [math.log(x) for x in xs] if log else list(xs)
    ly = [math.log(y) for y in ys] if log else list(ys)
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "cost_curves.jsonl"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", nargs="*", choices=sorted(CURVES), help="curves to run (default: all)")
    ap.add_argument("--replot", metavar="JSONL", help="measure nothing: tables and plot from a recorded --out")
    ap.add_argument("--plot", default=os.path.join(ROOT, "bench", "cost_curves.png"), help="log-log plot ('' for none)")
    a = ap.parse_args()
    rows = replot(a.replot) if a.replot else record(a)
    report(rows, a.plot)


def record(a):
    if not os.access(CLI, os.X_OK):
        sys.exit(f"{CLI} is missing: build first (scripts/setup.sh, then cmake --build build)")
    tmp = a.out + ".part"  # written whole, then renamed: an interrupted run leaves no file that looks complete
    rows = []
    with open(tmp, "w") as log:
        for dim in a.only or CURVES:
            pts = []
            for v in CURVES[dim]:
                p = dict(BASE, **{dim: v})
                runs = [measure(p, a.steps, a.threads) for _ in range(a.repeat)]
                r = dict(min(runs, key=lambda x: x["step_s"]), curve=dim, value=v, point=p,
                         step_s_runs=[x["step_s"] for x in runs])
                print(json.dumps(r), file=log, flush=True)
                print(f"{dim}={v}: {r['step_s']:.3f} s/step, {r['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
                pts.append(r)
            rows.append((dim, pts))
    os.replace(tmp, a.out)
    return rows


def replot(path):
    rows = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            rows.setdefault(r["curve"], []).append(r)
    return list(rows.items())


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for dim, pts in rows:
        x = [r["value"] / BASE[dim] for r in pts]
        base = next(r for r in pts if r["value"] == BASE[dim])
        for ax, key in zip(axes, ("step_s", "peak_mb")):
            y = [r[key] / base[key] for r in pts]
            ax.loglog(x, y, "o-", label=f"{dim} (^{slope(x, y):.2f})")
    for ax, what in zip(axes, ("time per step", "peak RSS")):
        ax.loglog([0.25, 8], [0.25, 8], ":", color="grey", label="linear")
        ax.set_xlabel("size / base size")
        ax.set_ylabel(f"{what} / at the base")
        ax.set_title(f"{what} (fitted exponent)")
        ax.legend(fontsize=8)
    fig.suptitle("counterpoint cost curves: rabbit_hole engagement arm, base 50k users x 50k items, d 32")
    fig.tight_layout()
    tmp = path + ".part.png"
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)


def report(rows, plot_path):
    if plot_path:
        plot(rows, plot_path)
    for dim, pts in rows:
        xs = [r["value"] for r in pts]
        print(f"\n{dim} (others at {', '.join(f'{k} {v:,}' for k, v in BASE.items() if k != dim)})\n")
        print(f"| {dim} | s/step | in FAISS search | build s | peak RSS MB |")
        print("| --- | --- | --- | --- | --- |")
        for r in pts:
            print(f"| {r['value']:,} | {r['step_s']:.3f} | {r['search_s'] / r['step_s']:.0%} | {r['build_s']:.1f} | "
                  f"{r['peak_mb']:.0f} |")
        per_unit = slope(xs, [r["peak_mb"] * 2**20 for r in pts], log=False)
        print(f"\nexponent: time per step ~ {dim}^{slope(xs, [r['step_s'] for r in pts]):.2f}, "
              f"peak RSS ~ {dim}^{slope(xs, [r['peak_mb'] for r in pts]):.2f}; "
              f"peak RSS grows by {per_unit:,.0f} bytes per unit of {dim}")


if __name__ == "__main__":
    main()
