// Runs a scenario: replicates x arms, with metrics, summaries and manifests.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/stats.h"
#include "simulator/coverage_gaps.h"
#include "simulator/scenario.h"
#include "simulator/simulator.h"

namespace counterpoint {

/// Metric rows of one arm in one replicate: steps x columns.
struct ArmRun {
  std::string arm;
  int replicate = 0;
  uint64_t seed = 0;
  std::vector<double> rows;
  StageTimes times;
  InducedGraphTable graph;                    ///< the induced watch-next graph (output.graph), else empty
  std::vector<ModerationRecord> moderation;   ///< uploads during the run and moderation events, in order
  std::vector<ImpressionRecord> impressions;  ///< every impression (output.events), else empty
  std::vector<CoverageRegion> coverage;       ///< NGO coverage map (counter_narrative_reach observer), else empty
};

struct RunResult {
  /// The union of the arms' metric columns (observers first); a column an arm lacks is NaN in its rows.
  std::vector<std::string> columns;
  int64_t steps = 0;
  std::vector<ArmRun> runs;  ///< replicate-major, then arm in scenario order
  double wall_seconds = 0;
  double build_seconds = 0;  ///< catalog, index and population construction
};

/// Progress: (work units done, total).
using ProgressFn = std::function<void(int64_t, int64_t)>;

/// Builds the world for replicate r (catalog, index), the population, runs every arm.
RunResult RunScenario(const Scenario& sc, const ProgressFn& progress = {});

/// Builds one replicate's world (exposed for tests and benchmarks).
World BuildWorld(const Scenario& sc, uint64_t replicate_seed);
/// Builds one arm's simulation on a world (the population is copied or moved in).
Simulation BuildSimulation(const Scenario& sc, const ArmSpec& arm, const World& world, Population pop,
                           uint64_t replicate_seed);

/// Final-step value of each metric per arm (mean, CI), and the paired difference of
/// each arm against the first (common random numbers make these differences sharp).
nlohmann::json Summarize(const Scenario& sc, const RunResult& result);

/// metrics.csv text: step, arm, replicate, seed, then one column per metric.
std::string MetricsCsv(const RunResult& result);
/// impressions.csv text: step, arm, replicate, user, item, position, source, organisation, clicked.
std::string ImpressionsCsv(const RunResult& result);
/// moderation.csv text: step, arm, replicate, item, event, channel, latency_steps.
std::string ModerationCsv(const RunResult& result);

/// metrics_summary.csv text: step, arm, metric, mean, ci95_low, ci95_high, n; one row per
/// step x arm x metric, the mean over replicates with its Student-t 95% CI (MeanCi).
std::string MetricsSummaryCsv(const Scenario& sc, const RunResult& result);

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
/// coverage_gaps.csv, and manifest.json (last) into dir, each atomically.
void WriteOutputs(const std::string& dir, const Scenario& sc, const RunResult& result, int threads);

/// A human-readable table: per arm, final values of key metrics with CIs.
std::string SummaryTable(const Scenario& sc, const nlohmann::json& summary);

}  // namespace counterpoint
