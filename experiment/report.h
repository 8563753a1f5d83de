// A run's report: one self-contained HTML page (styles inline, figures as inline SVG,
// no script and nothing fetched) generated from the files of a run directory: a
// plain-language summary per arm from summary.json, the figures with their numbers as
// tables, the manifest and the scenario as resolved (docs/cli.md, "Reports").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/io.h"

namespace counterpoint {

/// The graph audit's metrics of one arm's exported induced graph (docs/graph.md), the harmful
/// set being the borderline and extremist nodes.
struct InducedGraphAudit {
  std::string arm;
  int64_t nodes = 0, edges = 0, harmful = 0;
  int64_t trapped = 0;          ///< harmful nodes a walk can be trapped at for ever
  double mean_segregation = 0;  ///< mean expected steps to leave the harmful set (finite nodes)
  double reach_within_10 = 0;   ///< a walk from a uniform node visits a harmful one within 10 steps
  std::string problem;          ///< why the graph could not be audited ("" if it was)
};

/// What a report reads from a run directory, checked against its manifest.
struct RunDirectory {
  std::string dir;
  nlohmann::json manifest;                ///< manifest.json
  nlohmann::json summary;                 ///< summary.json
  CsvTable metrics_summary;               ///< metrics_summary.csv
  CsvTable metrics;                       ///< metrics.csv
  std::optional<CsvTable> coverage_gaps;  ///< coverage_gaps.csv, when the run wrote one
  std::optional<CsvTable> moderation;     ///< moderation.csv(.gz), with output.events
  std::optional<CsvTable> transparency;   ///< transparency.csv, a world of platforms' (docs/crisis.md)
  std::vector<InducedGraphAudit> graphs;  ///< with output.graph, per arm
  bool partial = false;                   ///< manifest status "partial"
};

/// Reads `dir`'s manifest.json, summary.json, metrics_summary.csv, metrics.csv and, when
/// listed, coverage_gaps.csv, moderation.csv(.gz), transparency.csv and the graphs (audited here). Throws InputError
/// naming the file and the fix when one is missing, unreadable, not what the manifest recorded (its SHA-256), or when
/// the run is partial (manifest status "partial") unless `allow_partial`.
RunDirectory ReadRunDirectory(const std::string& dir, bool allow_partial);

/// The report's HTML text.
std::string ReportHtml(const RunDirectory& run);

/// Reads `run_dir` (ReadRunDirectory) and writes its report to `out` atomically.
void WriteReport(const std::string& run_dir, const std::string& out, bool allow_partial);

}  // namespace counterpoint
