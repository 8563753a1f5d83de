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

class Checkpoint;  // simulator/checkpoint.h

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
  int64_t steps_done = -1;                    ///< steps run when the run stopped early; -1: every step

  /// Steps this run completed out of a scenario's `steps`.
  int64_t Steps(int64_t steps) const { return steps_done < 0 ? steps : steps_done; }
  bool Complete(int64_t steps) const { return Steps(steps) == steps; }
};

struct RunResult {
  /// The union of the arms' metric columns (observers first); a column an arm lacks is NaN in its rows.
  std::vector<std::string> columns;
  int64_t steps = 0;
  std::vector<ArmRun> runs;  ///< replicate-major, then arm in scenario order
  double wall_seconds = 0;
  double build_seconds = 0;  ///< catalog, index and population construction
  int ranks = 1;             ///< MPI ranks that ran it together (RunControl::collective)
  /// With several ranks: why every rank held every user (ShardingObstacle); "" if each
  /// held its own block (sharded).
  std::string replicated_because;
  /// Stopped early (RunControl::should_stop): `runs` holds the completed arm runs and the
  /// arm in progress with the steps it completed (steps_done); arms not reached are absent.
  bool partial = false;
};

/// Progress: (work units done, total).
using ProgressFn = std::function<void(int64_t, int64_t)>;

/// Stopping, checkpointing and resuming a run (docs/cli.md, "Interruption, checkpoints").
struct RunControl {
  /// Polled before every step; true ends the run early with a partial result.
  std::function<bool()> should_stop;
  /// Writes a checkpoint every this many steps (counted over the whole run; 0: never), and
  /// when should_stop ends the run, to checkpoint_path (atomically).
  int64_t checkpoint_every = 0;
  std::string checkpoint_path;
  /// The YAML text the scenario was parsed from, kept in checkpoints (default: sc.file's contents).
  std::string scenario_text;
  /// Continues from this checkpoint instead of the start; its scenario hash must be sc's.
  std::string resume_path;
  /// The ranks running this scenario together (null: this process alone). Every rank
  /// computes the same result; only rank 0 writes checkpoints (sharded: with every rank's part).
  const Collective* collective = nullptr;
  /// With several ranks: every rank holds every user even where they could be sharded.
  bool replicate_users = false;
};

/// Builds the world for replicate r (catalog, index), the population, runs every arm.
/// A ProgressFn that throws aborts the run (the exception propagates).
RunResult RunScenario(const Scenario& sc, const ProgressFn& progress = {}, const RunControl& control = {});

/// The checkpoint file of an output directory: DIR/checkpoint.bin.
std::string CheckpointPath(const std::string& dir);
/// Removes checkpoint `path` and, of a sharded run, every rank's part file next to it.
void RemoveCheckpoint(const std::string& path);
/// The scenario a checkpoint was written for: its YAML text parsed again with the same
/// file name, base directory, overrides and arm selection. Throws InputError if the
/// checkpoint is unreadable or the scenario's hash (with its input files) has changed.
Scenario CheckpointScenario(const std::string& path);
/// The scenario hash a checkpoint was written for.
std::string CheckpointScenarioSha256(const std::string& path);

/// Builds one replicate's world (exposed for tests and benchmarks).
World BuildWorld(const Scenario& sc, uint64_t replicate_seed);
/// Builds one arm's simulation on a world (the population is copied or moved in; with
/// shard_users, this rank's block of it: SimOptions::shard_users).
Simulation BuildSimulation(const Scenario& sc, const ArmSpec& arm, const World& world, Population pop,
                           uint64_t replicate_seed, const Collective* collective = nullptr, bool shard_users = false);

/// Under MPI, what keeps a scenario from running sharded (each rank holding only its block
/// of users): the first plug-in that is not Shardable,
/// named with its scenario place; "" if nothing does (docs/cluster.md, "MPI").
std::string ShardingObstacle(const Scenario& sc);
/// Why a run on `ranks` ranks keeps every user on every rank: "" on one rank or when users
/// are sharded, "--replicate-users" when control asks for it, else ShardingObstacle
/// (a checkpoint resumed that holds every user keeps that layout: `resume`, the checkpoint
/// at control.resume_path already read, or null to read it here).
std::string ReplicationReason(const Scenario& sc, const RunControl& control, int ranks,
                              const Checkpoint* resume = nullptr);

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
/// coverage_gaps.csv, and manifest.json (last) into dir, each atomically. The manifest
/// lists every file written with its SHA-256, and its status: "complete" or "partial".
void WriteOutputs(const std::string& dir, const Scenario& sc, const RunResult& result, int threads);

}  // namespace counterpoint
