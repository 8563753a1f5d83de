// The tables that let a reader recount a run's figures from its event logs alone
// (output.events: docs/interventions.md, "Event logs"): items.csv, the ground truth and
// platform view of every item of each replicate's catalog, and users.csv, each user's
// starting attributes and at-risk flag. Both are rebuilt from the scenario and the
// replicate seed (catalogs and populations are deterministic functions of them), so the
// run itself holds nothing extra.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "experiment/run_result.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// One replicate's catalog, rebuilt from the scenario and the replicate's seed.
struct ReplicateCatalog {
  int replicate = 0;
  uint64_t seed = 0;  ///< the replicate's seed (DeriveSeed)
  std::shared_ptr<const Catalog> catalog;
};

/// The catalog of each replicate `result` holds runs of, replicates ascending: built once
/// for both tables.
std::vector<ReplicateCatalog> ReplicateCatalogs(const Scenario& sc, const RunResult& result);

/// items.csv text: replicate, item, label, topic, extremity, harm_score, parent (empty:
/// none), upload_step (empty: uploaded on demand, as a re-upload), creator; one row per
/// item of each catalog, in replicate then item order.
std::string ItemsCsv(const std::vector<ReplicateCatalog>& catalogs);

/// users.csv text: replicate, user, at_risk (0/1), extremity_projection (z_a(0), the true
/// interest's projection on the extremity direction at the start), appetite, receptivity,
/// susceptibility, session_prob; one row per user of each replicate's starting population
/// (generated on its catalog, as the run did). at_risk uses the counter_narrative_reach
/// observer's extremity_quantile and appetite_threshold (its defaults when the scenario
/// has none): the rule in docs/metrics.md.
std::string UsersCsv(const Scenario& sc, const std::vector<ReplicateCatalog>& catalogs);

}  // namespace counterpoint
