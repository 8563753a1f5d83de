// The tables that let a reader recount a run's figures from its event logs alone
// (output.events: docs/interventions.md, "Event logs"): items.csv, the ground truth and
// platform view of every item of each replicate's catalog, and users.csv, each user's
// starting attributes and at-risk flag. Both are rebuilt from the scenario and the
// replicate seed (catalogs and populations are deterministic functions of them), so the
// run itself holds nothing extra.
#pragma once

#include <string>

#include "experiment/run_result.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// items.csv text: replicate, item, label, topic, extremity, harm_score, parent (empty:
/// none), upload_step (empty: uploaded on demand, as a re-upload), creator; one row per
/// item of the catalog of each replicate in `result`, in replicate then item order.
std::string ItemsCsv(const Scenario& sc, const RunResult& result);

/// users.csv text: replicate, user, at_risk (0/1), extremity_projection (z_a(0), the true
/// interest's projection on the extremity direction at the start), appetite, receptivity,
/// susceptibility, session_prob; one row per user of each replicate in `result`. at_risk
/// uses the counter_narrative_reach observer's extremity_quantile and appetite_threshold
/// (its defaults when the scenario has none): the rule in docs/metrics.md.
std::string UsersCsv(const Scenario& sc, const RunResult& result);

}  // namespace counterpoint
