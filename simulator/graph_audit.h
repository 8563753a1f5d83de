// Graph audits: every confinement metric, journeys and interventions on one
// watch-next graph, configured from a YAML audit scenario or from CLI flags.
//
// Used by `counterpoint audit` and `counterpoint rewire` (docs/graph.md).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "recommender/watch_next_graph.h"
#include "simulator/confinement.h"
#include "simulator/journeys.h"
#include "simulator/scenario.h"

namespace counterpoint {

/// A named harmful set: the labels whose nodes are "harmful" (B).
struct HarmfulSetSpec {
  std::string name;
  std::vector<std::string> labels;
};

/// Everything an audit or a rewiring run needs.
struct AuditConfig {
  std::string name = "audit";
  std::string description;
  std::string file;  ///< the scenario file, if any
  // graph
  std::string source = "csv";  ///< "csv", "recfluence" or "knn"
  std::string nodes, edges, dir;
  SinkPolicy sinks = SinkPolicy::kPrune;
  // knn: the catalog and index of a run scenario, and the graph's options
  std::shared_ptr<const Scenario> knn_scenario;
  int knn_replicate = 0;  ///< whose catalog: the replicate seed is DeriveSeed(scenario seed, this)
  KnnGraphOptions knn;
  // what is harmful, where walks start
  std::vector<HarmfulSetSpec> harmful;
  StartSpec start;
  // metrics
  int reach_k = 10;
  int horizon = 10;
  JourneyOptions journeys;  ///< walkers, length, restart, seed (bots and users share them)
  double user_autonomy = 0.2;
  double user_preference = 2.0;
  // interventions
  int rewire_budget = 10;
  double tau = 0.5;
  int max_sources = 0;
  int bubble_links = 10;
  double counter_budget = 0.0;  ///< 0 = no counter-narrative links
  double alpha = 0.1;
  std::string output_dir;  ///< from the scenario: <dir>/<command>.json (empty = results/<name>)
  std::string output;      ///< JSON path (set by the CLI; --out overrides)
};

/// Reads and validates an audit scenario (each block against its spec with
/// ValidateBlock); every error is reported at once with file:line:col.
AuditConfig LoadAuditConfig(const std::string& path);

/// Parses "L1,L2" into labels (trimmed, non-empty).
std::vector<std::string> SplitLabels(const std::string& text);

/// Loads the configured graph (CSV pair, the Recfluence directory, or the kNN graph
/// of a run scenario's catalog and index).
WatchNextGraph LoadAuditGraph(const AuditConfig& config);

/// The dates of the data that must accompany results ("" when unknown).
std::string DataDates(const AuditConfig& config);

/// Every metric: segregation, truncated radius, reach within k (from the start
/// distribution and by start group), label flow, bot and user journeys with Monte
/// Carlo estimates next to the exact values. `text` receives the printed report.
nlohmann::json RunAudit(const AuditConfig& config, const WatchNextGraph& graph, std::string& text);

/// Greedy rewiring trajectory (max and mean segregation after 0..budget operations)
/// for each harmful set, plus bubble-radius link insertion and, if a budget is set,
/// counter-narrative links.
nlohmann::json RunRewire(const AuditConfig& config, const WatchNextGraph& graph, std::string& text);

/// JSON number, or the string "inf" for infinite values (JSON has no infinity).
nlohmann::json JsonNumber(double x);

}  // namespace counterpoint
