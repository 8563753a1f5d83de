"""Writes the notebooks in this directory from the cells below (outputs stripped).

    /usr/bin/python3 notebooks/make_notebooks.py

Edit the cells here, not the .ipynb files; the test command executes the notebooks.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import counterpoint as cp
# shipped scenarios are found by name from any directory (cp.scenarios() lists them)
plt.rcParams["figure.dpi"] = 90"""

PLOT_HELPER = '''\
def plot_over_time(ms, metric, ax, title, ylabel, arms=None):
    """Mean over replicates per step and arm with its 95% CI band (metrics_summary.csv)."""
    d = ms[ms.metric == metric]
    for arm in arms or d.arm.unique():
        a = d[d.arm == arm]
        ax.plot(a.step, a["mean"], label=arm)
        ax.fill_between(a.step, a.ci95_low, a.ci95_high, alpha=0.2)
    ax.set_title(title)
    ax.set_xlabel("step (one session opportunity per user)")
    ax.set_ylabel(ylabel)
    ax.legend(title="arm", fontsize=8)'''

NOTEBOOKS = {}

NOTEBOOKS["01_rabbit_hole.ipynb"] = [
    new_markdown_cell("""\
# 01 — How a rabbit hole forms, against the fair controls

The `rabbit_hole` scenario runs an engagement-optimising ranker (`engagement`) and, on the
*same* candidates, users and random draws, the fair controls: `relevance` (similarity only),
`shuffled` (random order), `newest_first` (chronological) and `random_sample` (a uniform
sample of the catalog, context rather than a control). Metrics are defined in
docs/metrics.md; the model in docs/model.md.

To keep this notebook under two minutes it runs a smaller world than the shipped scenario
(fewer users, items and steps); the effects have the same direction, with wider intervals."""),
    new_code_cell(SETUP),
    new_code_cell("""\
sc = cp.load_scenario("rabbit_hole",
                      overrides={"population.n_users": 1500, "catalog.n_items": 6000, "steps": 30, "replicates": 3})
sc"""),
    new_code_cell("""\
result = cp.run(sc, progress=True)
result.metrics.head()"""),
    new_markdown_cell("""\
## Plots over time per arm

Each line is the mean over replicates; the band its Student-t 95% confidence interval
(`metrics_summary`, the same numbers as metrics_summary.csv)."""),
    new_code_cell(PLOT_HELPER),
    new_code_cell("""\
ms = result.metrics_summary
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
plot_over_time(ms, "harmful_exposure_share", axes[0], "Harmful share of impressions",
               "share of impressions (borderline + extremist)")
plot_over_time(ms, "rabbit_hole_share", axes[1], "Users in a rabbit hole", "share of users")
plot_over_time(ms, "extremity_mean", axes[2], "Mean extremity of users' interest", "extremity (0 = mainstream, 1 = extreme)")
fig.tight_layout()"""),
    new_markdown_cell("""\
## Final step: engagement against each control

The paired difference per replicate (common random numbers make it sharp), from
`result.summary` (summary.json)."""),
    new_code_cell("""\
final = result.metrics[result.metrics.step == result.metrics.step.max()]
table = final.groupby("arm", observed=True)[["harmful_exposure_share", "rabbit_hole_share", "extremity_mean",
                                              "clicks_per_session"]].mean()
table"""),
    new_markdown_cell("""\
## Inside one arm: how users' interests drift

Stepping the engagement arm by hand and reading the population through zero-copy numpy
views: each user's true interest projected on the catalog's extremity direction, at the
start and after every step."""),
    new_code_cell("""\
sim = cp.Simulation(sc, arm="engagement")
direction = sim.catalog.extremity_direction
interest = sim.population.interest      # a live view: the engine updates it in place
start = interest @ direction
sim.run()
end = interest @ direction
fig, ax = plt.subplots(figsize=(7, 4))
bins = np.linspace(min(start.min(), end.min()), max(start.max(), end.max()), 40)
ax.hist(start, bins=bins, alpha=0.6, label="step 0")
ax.hist(end, bins=bins, alpha=0.6, label=f"after step {sim.steps - 1}")
ax.set_title("Users' interest along the extremity direction (engagement arm)")
ax.set_xlabel("projection of true interest on the extremity direction (unitless)")
ax.set_ylabel("users")
ax.legend();"""),
    new_code_cell("""\
# the last step's slates: which labels the engagement ranker showed
slates = sim.last_slates
shown = slates[slates >= 0]
labels = pd.Categorical.from_codes(sim.catalog.labels[shown], categories=sim.catalog.label_names)
pd.Series(labels).value_counts(normalize=True).rename("share of the last step's impressions")"""),
]

NOTEBOOKS["02_interventions_ab.ipynb"] = [
    new_markdown_cell("""\
# 02 — A ranking team's A/B comparison: harm reduced, engagement cost

`ranking_team_ab` compares score-stage interventions (MMR diversification, calibration,
demotion by the harm classifier, "not interested") against the engagement ranker, each arm
on the same users and random draws. For each intervention we read the paired difference
against the control with its 95% CI (summary.json's comparisons), on the harm it removes
and on the engagement it costs. Interventions are described in docs/interventions.md.

Smaller world than the shipped scenario, to run in under two minutes."""),
    new_code_cell(SETUP),
    new_code_cell("""\
sc = cp.load_scenario("ranking_team_ab",
                      overrides={"population.n_users": 1000, "catalog.n_items": 5000, "steps": 20, "replicates": 3})
result = cp.run(sc, progress=True)
print(result.summary_table())"""),
    new_code_cell("""\
# summary.json's comparisons: each arm minus the control (engagement), paired over replicates
cmp = result.comparisons
cmp = cmp[cmp.metric.isin(["harmful_exposure_share", "clicks_per_session", "rabbit_hole_share"])]
cmp[["arm", "metric", "diff", "ci_low", "ci_high", "relative", "n"]]"""),
    new_code_cell("""\
fig, axes = plt.subplots(1, 2, figsize=(13, 4), sharey=True)
for ax, metric, title, unit in [
        (axes[0], "harmful_exposure_share", "Harm: harmful share of impressions", "difference vs engagement (share points)"),
        (axes[1], "clicks_per_session", "Engagement cost: clicks per session", "difference vs engagement (clicks)")]:
    d = cmp[cmp.metric == metric]
    y = np.arange(len(d))
    ax.errorbar(d["diff"], y, xerr=[d["diff"] - d["ci_low"], d["ci_high"] - d["diff"]], fmt="o", capsize=4,
                label="paired difference, 95% CI")
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(y, d["arm"])
    ax.set_title(title)
    ax.set_xlabel(unit)
    ax.legend(fontsize=8)
axes[0].set_ylabel("arm")
fig.tight_layout()"""),
    new_markdown_cell("""\
## Trade-off

Harm removed against engagement lost, per intervention (final step, mean over replicates)."""),
    new_code_cell("""\
harm = cmp[cmp.metric == "harmful_exposure_share"].set_index("arm")["diff"]
cost = cmp[cmp.metric == "clicks_per_session"].set_index("arm")["diff"]
fig, ax = plt.subplots(figsize=(6, 4.5))
for arm in harm.index:
    ax.scatter(-cost[arm], -harm[arm], label=arm)
ax.set_title("Harm removed vs engagement cost")
ax.set_xlabel("clicks per session lost (clicks)")
ax.set_ylabel("harmful share of impressions removed (share points)")
ax.axhline(0, color="grey", lw=1)
ax.axvline(0, color="grey", lw=1)
ax.legend(title="arm", fontsize=8);"""),
    new_markdown_cell("""\
## A Python intervention next to the C++ ones

A ranking team can prototype an intervention in numpy and run it from the same scenario
by name. This one demotes candidates whose harm score exceeds a threshold, like
`demote_harmful`; it is called once per batch of users."""),
    new_code_cell('''\
@cp.register_intervention("team_demotion")
class TeamDemotion(cp.Intervention):
    """Subtracts weight * (h - threshold) / (1 - threshold) from scores with harm score h > threshold."""

    def __init__(self, threshold=0.5, weight=1.0):
        self.threshold, self.weight = threshold, weight

    def init(self, ctx):
        self.harm = ctx["catalog_arrays"]["harm_score"].astype(np.float64)

    def on_scores(self, ctx, batch):
        ids = batch.cand_ids
        h = self.harm[np.where(ids >= 0, ids, 0)]
        penalty = np.where((ids >= 0) & (h > self.threshold),
                           self.weight * (h - self.threshold) / (1 - self.threshold), 0.0)
        batch.cand_score[:] -= penalty.astype(np.float32)

# the demote_harmful arm with its C++ intervention swapped for the Python one
ab = cp.run(sc, arms=["engagement", "demote_harmful"],
            overrides=["arms.demote_harmful.interventions.0.type=team_demotion"], progress=False)
cols = ["harmful_exposure_share", "clicks_per_session", "rabbit_hole_share"]
py_arm = ab.metrics[ab.metrics.arm == "demote_harmful"][cols].reset_index(drop=True)
cpp_arm = result.metrics[result.metrics.arm == "demote_harmful"][cols].reset_index(drop=True)
print("same metrics as the C++ demote_harmful arm, bit for bit:", py_arm.equals(cpp_arm))
ab.comparisons[ab.comparisons.metric.isin(cols)][["arm", "metric", "diff", "ci_low", "ci_high"]]'''),
]

NOTEBOOKS["03_ngo_reach.ipynb"] = [
    new_markdown_cell("""\
# 03 — Counter-narrative reach: who is reached, and the coverage gaps

`ngo_reach` injects two NGOs' counter-narratives (the Redirect Method) into the slates of
users whose recent impressions are harmful, under frequency caps and per-step budgets.
We ask: how many at-risk users are reached, who they are, and which harmful regions of the
catalog no counter-narrative covers (the coverage map). Definitions: docs/metrics.md
(`counter_narrative_reach`) and docs/interventions.md (`counter_narrative_injection`).

Smaller world than the shipped scenario, to run in under two minutes."""),
    new_code_cell(SETUP),
    new_code_cell(PLOT_HELPER),
    new_code_cell("""\
sc = cp.load_scenario("ngo_reach",
                      overrides={"population.n_users": 1000, "steps": 20, "replicates": 2,
                                 "output.events": True})
result = cp.run(sc, progress=True)
fig, axes = plt.subplots(1, 2, figsize=(13, 4))
plot_over_time(result.metrics_summary, "cn_reach_at_risk", axes[0], "Counter-narrative reach among at-risk users",
               "share of at-risk users reached so far")
plot_over_time(result.metrics_summary, "harmful_exposure_share", axes[1], "Harmful share of impressions",
               "share of impressions")
fig.tight_layout()"""),
    new_markdown_cell("""\
## Who is reached

Injected impressions from the event log (impressions.csv), joined with the users' traits
read from a simulation of the same replicate (zero-copy views)."""),
    new_code_cell("""\
imp = result.impressions
injected = imp[(imp.source == "injected") & (imp.arm == "campaign") & (imp.replicate == 0)]
sim = cp.Simulation(sc, arm="campaign", replicate=0)   # same seed: the same users
users = pd.DataFrame({"susceptibility": sim.population.susceptibility, "appetite": sim.population.appetite})
users["reached"] = False
users.loc[injected.user.unique(), "reached"] = True
print(f"{users.reached.sum()} of {len(users)} users saw at least one counter-narrative")
fig, ax = plt.subplots(figsize=(7, 4))
for reached, g in users.groupby("reached"):
    ax.hist(g.appetite, bins=30, alpha=0.6, density=True, label="reached" if reached else "not reached")
ax.set_title("Appetite for extreme content: reached vs not reached (campaign arm)")
ax.set_xlabel("appetite (Beta-distributed trait in (0, 1))")
ax.set_ylabel("density")
ax.legend();"""),
    new_code_cell("""\
by_org = injected.groupby("organisation").agg(impressions=("item", "size"), users=("user", "nunique"),
                                              clicks=("clicked", "sum"))
by_org"""),
    new_markdown_cell("""\
## Coverage gaps

Harmful regions of the catalog (spherical k-means) ranked by the at-risk traffic they get,
and the distance to the nearest counter-narrative; uncovered regions with much traffic are
where an NGO's next video would matter most."""),
    new_code_cell("""\
gaps = result.coverage_gaps
g = gaps[(gaps.arm == "control") & (gaps.replicate == 0)].sort_values("at_risk_impressions", ascending=False)
fig, ax = plt.subplots(figsize=(10, 4))
colors = np.where(g.covered.astype(bool), "tab:green", "tab:red")
ax.bar(range(len(g)), g.at_risk_impressions, color=colors)
ax.set_title("Harmful regions by at-risk traffic (green: a counter-narrative is within the radius)")
ax.set_xlabel("harmful region (sorted by traffic)")
ax.set_ylabel("impressions to at-risk users")
from matplotlib.patches import Patch
ax.legend(handles=[Patch(color="tab:green", label="covered"), Patch(color="tab:red", label="gap")])
g.head(10)"""),
]

NOTEBOOKS["04_graph_audit.ipynb"] = [
    new_markdown_cell("""\
# 04 — Auditing the real Recfluence graph: segregation, reach, rewiring

YouTube's channel recommendation graph from November 2018 (Recfluence; labels from
September 2019, Ribeiro et al., FAT* 2020), as in `scenarios/recfluence_audit.yaml`.
Segregation (Fabbri et al., WWW 2022) is the expected number of steps a random walk from a
harmful channel stays among harmful channels; reach within k is the probability of
reaching a harmful channel within k recommendations; greedy rewiring moves recommendation
probability away from harmful-to-harmful edges. Formulas: docs/graph.md."""),
    new_code_cell(SETUP),
    new_code_cell("""\
ga = cp.GraphAudit("recfluence_audit", walkers=5000)
print(ga.data_dates)
ga.nodes.label.value_counts()"""),
    new_code_cell("""\
audit = ga.audit()
audit.segregation_summary"""),
    new_code_cell("""\
seg = audit.segregation[audit.segregation.harmful_set == "ribeiro_alt_right_alt_lite_idw"]
fig, ax = plt.subplots(figsize=(7, 4))
for label, g in seg.groupby("label"):
    ax.hist(g.segregation, bins=15, alpha=0.6, label=label)
ax.set_title("Segregation of harmful channels (Alt-right, Alt-lite, IDW)")
ax.set_xlabel("segregation (expected steps among harmful channels)")
ax.set_ylabel("channels")
ax.legend(title="label");"""),
    new_code_cell("""\
reach = audit.reach[audit.reach.harmful_set == "alt_right"]
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(reach.steps, reach.exact, "k-", label="exact (start: subscribers)")
ax.errorbar(reach.steps, reach.bots_mean, yerr=[reach.bots_mean - reach.bots_ci95_low,
            reach.bots_ci95_high - reach.bots_mean], fmt="o", ms=3, label="bots (Monte Carlo, 95% CI)")
ax.errorbar(reach.steps, reach.users_mean, yerr=[reach.users_mean - reach.users_ci95_low,
            reach.users_ci95_high - reach.users_mean], fmt="s", ms=3, label="users (Monte Carlo, 95% CI)")
for col in [c for c in reach.columns if c.startswith("from_")]:
    ax.plot(reach.steps, reach[col], "--", lw=1, label=f"exact, starting at {col[5:]}")
ax.set_title("Reach of Alt-right channels within k recommendations")
ax.set_xlabel("k (recommendations followed)")
ax.set_ylabel("probability of having reached Alt-right")
ax.legend(fontsize=7);"""),
    new_code_cell("""\
flow = audit.label_flow
fig, ax = plt.subplots(figsize=(5, 4))
im = ax.imshow(flow.values, cmap="viridis", vmin=0, vmax=1)
ax.set_xticks(range(len(flow.columns)), flow.columns, rotation=45)
ax.set_yticks(range(len(flow.index)), flow.index)
ax.set_title("Label-to-label recommendation flow")
ax.set_xlabel("to label")
ax.set_ylabel("from label")
fig.colorbar(im, label="share of the source label's flow");"""),
    new_markdown_cell("## Rewiring: how far can ten edits move segregation?"),
    new_code_cell("""\
rw = ga.rewire()
t = rw.trajectory
fig, ax = plt.subplots(figsize=(7, 4))
for name, g in t.groupby("harmful_set"):
    ax.plot(g.operations, g.max_segregation, "o-", label=f"{name}: max")
    ax.plot(g.operations, g.mean_segregation, "s--", label=f"{name}: mean")
ax.set_title("Segregation after greedy rewiring (Fabbri et al. 2022)")
ax.set_xlabel("rewiring operations")
ax.set_ylabel("segregation (expected steps)")
ax.legend(fontsize=8)
rw.operations.head()"""),
]


def main():
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    main()
