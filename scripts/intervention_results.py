#!/usr/bin/python3
"""The intervention results in docs/interventions.md, from the shipped scenarios.

Runs each shipped intervention scenario at its shipped replicate count (the commands
are printed), reads the paired comparisons the engine wrote in summary.json (difference
against the scenario's control with its 95% CI, Bonferroni's simultaneous interval and
Holm's adjusted p-value over the arm's metrics), and writes them, with the commit they
were made at, between the markers <!-- results:begin --> and <!-- results:end --> of
docs/interventions.md and to docs/intervention_results.csv. Also sweeps the
counter-narrative pull and reactance (redirect_method, control against inject_at_risk):
at a pull of 0 injection reaches the same users but its clicks cannot pull anyone back,
the negative control of the drift result.

Usage: /usr/bin/python3 scripts/intervention_results.py [--threads 2]
       [--replicates N: a quick look at N replicates; prints, never writes the docs]
(about 15 minutes on 2 cores; the build must exist: bash scripts/setup.sh)."""
import csv
import datetime
import json
import os
import sys
import tempfile

from docs_markers import (ROOT, argument_parser, has_uncommitted_changes, head_commit, require_cli, run_scenario,
                          write_between)


# per scenario, the metrics read (in this order); what each intervention defines and what
# it costs. `assumed`: a result the model's parameters set rather than one that emerges
SCENARIOS = [
    ("redirect_method", ["cn_injected_impressions_total", "cn_injected_clicks_total", "cn_users_reached",
                         "cn_injected_reach_at_risk", "at_risk_extremity_drift", "harmful_exposure_share",
                         "harmful_exposure_share_organic", "clicks_per_user_cumulative"]),
    ("ngo_reach", ["cn_injected_impressions_total", "cn_injected_clicks_total", "cn_users_reached",
                   "cn_injected_reach_at_risk", "cn_injected_reach_not_at_risk", "clicks_per_user_cumulative"]),
    ("ranking_team_ab", ["harmful_exposure_share", "harmful_exposure_share_organic", "news_exposure_share",
                         "news_clicks_per_user_cumulative", "slate_similarity", "clicks_per_user_cumulative",
                         "nim_dismissals_total",
                         "nim_dismissed_harmful_share_total", "dh_demoted_news_share"]),
    ("moderation_one_hour", ["mod_removed_total", "mod_removed_harmful_total", "mod_removed_legitimate_total",
                             "mod_within_hour_total", "mod_cleared_harmful_total", "harmful_exposure_share",
                             "harmful_impressions_per_user_cumulative",
                             "news_exposure_share", "news_clicks_per_user_cumulative"]),
    ("hash_sharing", ["hash_blocked_total", "hash_blocked_legitimate_total", "hash_blocked_news_total",
                      "ru_reuploaded_total", "mod_removed_total", "harmful_exposure_share",
                      "harmful_impressions_per_user_cumulative",
                      "news_clicks_per_user_cumulative"]),
]
ASSUMED = {("redirect_method", "at_risk_extremity_drift"): "set by counter_pull (see the sweep)"}
# (counter_pull, reactance_share): 0.3 and 0 are the defaults; the last row adds reactance
DRIFT_SWEEP = [("0", "0"), ("0.1", "0"), ("0.2", "0"), ("0.3", "0"), ("0.3", "0.3")]


def run(scenario, threads, replicates, sets=(), arms=None):
    """summary.json of one run of scenarios/<scenario>.yaml."""
    with tempfile.TemporaryDirectory() as out:
        run_scenario(os.path.join(ROOT, "scenarios", scenario + ".yaml"), out, threads, replicates, sets, arms)
        with open(os.path.join(out, "summary.json")) as f:
            return json.load(f)


def fmt(x, digits=4):
    return "n/a" if x is None else f"{x:+.{digits}f}"


def reading(c):
    """What a comparison says, in words."""
    if c.get("not_applicable"):
        return "not applicable: " + c["not_applicable"]
    if c.get("undefined") or c["diff"] is None:
        return "undefined: " + c.get("undefined", "no value")
    if c["ci_low"] is None:
        return "one replicate: no interval"
    if c["ci_low"] <= 0 <= c["ci_high"]:
        return "not distinguishable from 0"
    word = "higher" if c["diff"] > 0 else "lower"
    return word + (" (after Holm)" if c.get("distinguishable_after_holm") else " (not after Holm)")


def rows_of(scenario, summary, metrics):
    rows = []
    by = {(c["arm"], c["metric"]): c for c in summary["comparisons"]}
    for arm in summary["arms"]:
        if arm == summary["control"]:
            continue
        for m in metrics:
            c = by.get((arm, m))
            if c is None:
                continue
            final = summary["arms"][arm]["final"].get(m, {})
            base = summary["arms"][summary["control"]]["final"].get(m, {})
            rows.append({"scenario": scenario, "replicates": summary["replicates"], "control": summary["control"],
                         "arm": arm, "metric": m, "control_mean": base.get("mean"), "arm_mean": final.get("mean"),
                         "diff": c["diff"], "ci95_low": c["ci_low"], "ci95_high": c["ci_high"],
                         "ci_low_adjusted": c.get("ci_low_adjusted"), "ci_high_adjusted": c.get("ci_high_adjusted"),
                         "p_holm": c.get("p_holm"), "reading": reading(c),
                         "kind": ASSUMED.get((scenario, m), "emerges")})
    return rows


def markdown(rows, sweep, commit, date):
    out = [f"Generated by `scripts/intervention_results.py` at commit `{commit[:12]}` ({date}), each scenario at "
           "its shipped replicate count; final step, paired against the scenario's control. Bonferroni: the "
           "simultaneous 95% interval over the arm's metrics; Holm: the adjusted p-value. `kind` says whether "
           "the result emerges from the model or is set by one of its parameters.", ""]
    scenario = None
    for r in rows:
        if r["scenario"] != scenario:
            scenario = r["scenario"]
            out += ["", f"**{scenario}** ({r['replicates']} replicates, control `{r['control']}`)", "",
                    "| arm | metric | control | arm | difference [95% CI] | Bonferroni | p (Holm) | reading | kind |",
                    "|---|---|---|---|---|---|---|---|---|"]
        ci = f"{fmt(r['diff'])} [{fmt(r['ci95_low'])}, {fmt(r['ci95_high'])}]" if r["diff"] is not None else "n/a"
        bonf = (f"[{fmt(r['ci_low_adjusted'])}, {fmt(r['ci_high_adjusted'])}]"
                if r["ci_low_adjusted"] is not None else "n/a")
        p = "n/a" if r["p_holm"] is None else f"{r['p_holm']:.3g}"
        cm = "n/a" if r["control_mean"] is None else f"{r['control_mean']:.4g}"
        am = "n/a" if r["arm_mean"] is None else f"{r['arm_mean']:.4g}"
        out.append(f"| {r['arm']} | `{r['metric']}` | {cm} | {am} | {ci} | {bonf} | {p} | {r['reading']} | "
                   f"{r['kind']} |")
    out += ["", "**The drift result against the counter-narrative pull** (redirect_method, `inject_at_risk` − "
            "`control`, `at_risk_extremity_drift`; the pull is `user_model.counter_pull`, default 0.3):", "",
            "| counter_pull | reactance_share | difference [95% CI] | reading |", "|---|---|---|---|"]
    for (pull, reactance), c in sweep:
        out.append(f"| {pull} | {reactance} | {fmt(c['diff'])} [{fmt(c['ci_low'])}, {fmt(c['ci_high'])}] | "
                   f"{reading(c)} |")
    return "\n".join(out)


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("--replicates", type=int, default=0, help="a quick look (never written to the docs)")
    args = ap.parse_args()
    require_cli("intervention_results.py")
    commit, dirty = head_commit(ROOT, short=False), has_uncommitted_changes(ROOT)
    rows = []
    for scenario, metrics in SCENARIOS:
        print(f"{scenario} ...", file=sys.stderr, flush=True)
        rows += rows_of(scenario, run(scenario, args.threads, args.replicates), metrics)
    sweep = []
    for pull, reactance in DRIFT_SWEEP:
        print(f"redirect_method, counter_pull = {pull}, reactance_share = {reactance} ...", file=sys.stderr,
              flush=True)
        s = run("redirect_method", args.threads, args.replicates,
                [f"user_model.counter_pull={pull}", f"user_model.reactance_share={reactance}"],
                ["control", "inject_at_risk"])
        sweep.append(((pull, reactance), next(c for c in s["comparisons"] if c["metric"] == "at_risk_extremity_drift")))
    body = markdown(rows, sweep, commit + (" (with uncommitted changes)" if dirty else ""),
                    datetime.date.today().isoformat())
    if args.replicates or dirty:
        print(body)
        print("\n(not written to the docs: " + ("--replicates given" if args.replicates else "uncommitted changes") +
              ")", file=sys.stderr)
        return
    docs = os.path.join(ROOT, "docs")
    with open(os.path.join(docs, "intervention_results.csv.tmp"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(os.path.join(docs, "intervention_results.csv.tmp"), os.path.join(docs, "intervention_results.csv"))
    write_between(os.path.join(docs, "interventions.md"), "<!-- results:begin -->", "<!-- results:end -->", body,
                  "intervention_results.py")
    print("wrote docs/interventions.md (results) and docs/intervention_results.csv", file=sys.stderr)


if __name__ == "__main__":
    main()
