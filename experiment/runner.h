// Runs a scenario: replicates x arms on common random numbers, with checkpoints and
// MPI ranks (summary.h and outputs.h turn the result into files).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "experiment/run_result.h"
#include "experiment/scenario.h"
#include "simulator/simulator.h"

namespace counterpoint {

class Checkpoint;  // experiment/checkpoint.h

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
IndexedCatalog BuildIndexedCatalog(const Scenario& sc, uint64_t replicate_seed);

/// The starting population of a replicate: the n_users organic users, then the sock
/// puppets (docs/sock_puppets.md), who log in every step; each user's draws are keyed by the
/// user, so the organic users are the same with puppets as without.
Population BuildPopulation(const Scenario& sc, const Catalog& catalog, uint64_t replicate_seed,
                           UserBlock block = {0, -1});

/// The scenario's user model; with sock puppets, wrapped so that they follow their scripts.
std::unique_ptr<UserModel> BuildUserModel(const Scenario& sc);

/// The scenario's observers, then (with sock puppets) the puppet_slates observer.
std::vector<std::unique_ptr<Observer>> BuildObservers(const Scenario& sc);

/// Throws InputError at the second intervention of `arm` that builds the whole slate
/// (Intervention::BuildsSlate): an arm holds one slate builder at most.
void CheckOneSlateBuilder(const ArmSpec& arm, const std::vector<std::unique_ptr<Intervention>>& interventions);
/// Builds one arm's simulation on a world (the population is copied or moved in; with
/// shard_users, this rank's block of it: SimOptions::shard_users). `extra`, if given, joins
/// the arm's interventions last (a world's feed of a simulated audience).
Simulation BuildSimulation(const Scenario& sc, const ArmSpec& arm, const IndexedCatalog& world, Population pop,
                           uint64_t replicate_seed, const Collective* collective = nullptr, bool shard_users = false,
                           std::unique_ptr<Intervention> extra = nullptr);

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

}  // namespace counterpoint
