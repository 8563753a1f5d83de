// A run's files: metrics.csv, the event logs, summary.json, metrics_summary.csv, graphs,
// coverage gaps and manifest.json (the scenario's and its inputs' SHA-256), written
// atomically.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "experiment/run_result.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// metrics.csv text: step, arm, replicate, seed, then one column per metric.
std::string MetricsCsv(const RunResult& result);
/// impressions.csv text: step, arm, replicate, user, item, position, source, organisation, clicked.
std::string ImpressionsCsv(const RunResult& result);
/// moderation.csv text: step, arm, replicate, item, event, channel, latency_steps.
std::string ModerationCsv(const RunResult& result);

/// A data file the scenario's catalog reads (a parameter marked input_file).
struct InputFile {
  std::string key;      ///< scenario key, e.g. catalog.embeddings
  std::string written;  ///< the path as the scenario gives it
  std::string path;     ///< the path read (relative to the scenario's directory)
};

/// The catalog's input files, in the order of its parameter spec.
std::vector<InputFile> ScenarioInputFiles(const Scenario& sc);

/// SHA-256 of the resolved scenario followed by a line per input file (key, path as
/// written, the file's SHA-256): what identifies a run's inputs (docs/scenarios.md).
/// With `digests`, appends each input file's digest (in ScenarioInputFiles order).
std::string ScenarioSha256(const Scenario& sc, std::vector<FileDigest>* digests = nullptr);

/// manifest.json: resolved scenario, its SHA-256 with the input files' (docs/scenarios.md),
/// the inputs, seed, version, git revision, times, and the graph files if written.
nlohmann::json Manifest(const Scenario& sc, const RunResult& result, int threads);

/// Paths, relative to the output directory, of the arm's induced graph files.
std::pair<std::string, std::string> GraphFiles(const std::string& arm);

/// Writes metrics.csv, summary.json, metrics_summary.csv, with output.graph each arm's
/// graph/<arm>_nodes.csv and graph/<arm>_edges.csv, with a counter_narrative_reach observer
/// coverage_gaps.csv, and manifest.json (last) into dir, each atomically. The manifest
/// lists every file written with its SHA-256, and its status: "complete" or "partial".
void WriteOutputs(const std::string& dir, const Scenario& sc, const RunResult& result, int threads);

}  // namespace counterpoint
