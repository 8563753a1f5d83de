// An audit's configuration: the watch-next graph (CSV, Recfluence, or the kNN graph of
// a run scenario's catalog), harmful sets, start distribution, metric, journey and
// rewiring options, read from a YAML audit scenario (docs/graph.md) or set by the CLI.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "embeddings/catalog_config.h"
#include "graph/confinement.h"
#include "graph/group_flow.h"
#include "graph/journeys.h"
#include "graph/watch_next_graph.h"

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
  // knn: the catalog and index blocks of a run scenario, and the graph's options
  std::shared_ptr<const CatalogConfig> knn_catalog;
  int knn_replicate = 0;  ///< whose catalog: the replicate seed is DeriveSeed(its seed, this)
  KnnGraphOptions knn;
  // what is harmful, where walks start
  std::vector<HarmfulSetSpec> harmful;
  StartSpec start;
  /// groups whose recommendation flow to and from the rest is reported (docs/graph.md)
  std::vector<GroupFlowSpec> group_flows;
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

/// The catalog and index blocks and the seed of the run scenario at `path` (the rest of
/// that scenario is not read): what `--knn RUN_SCENARIO.yaml` and `graph: {source: knn,
/// scenario: ...}` build their graph from.
CatalogConfig LoadKnnCatalog(const std::string& path);

/// Parses "L1,L2" into labels (trimmed, non-empty).
std::vector<std::string> SplitLabels(const std::string& text);

/// Loads the configured graph (CSV pair, the Recfluence directory, or the kNN graph
/// of a run scenario's catalog and index).
WatchNextGraph LoadAuditGraph(const AuditConfig& config);

/// The dates of the data that must accompany results ("" when unknown).
std::string DataDates(const AuditConfig& config);

}  // namespace counterpoint
