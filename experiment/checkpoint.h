// Checkpoint files of a run: the scenario, the arm runs completed so far and the full
// state of the arm in progress, at a step boundary (docs/architecture.md, "Checkpoints").
#pragma once

#include <string>
#include <vector>

#include "core/state_io.h"
#include "experiment/runner.h"

namespace counterpoint {

/// Where a checkpoint was taken: the next step to run of arm `arm` in replicate
/// `replicate`, and the steps completed over the whole run.
struct CheckpointPosition {
  int replicate = 0;
  int arm = 0;
  int64_t step = 0;
  int64_t done = 0;
};

/// What identifies a checkpoint's scenario: its hash, and how to parse it again.
struct CheckpointScenarioInfo {
  std::string sha256;
  std::string text;  ///< the YAML text
  std::string file;
  std::string base_dir;
  std::vector<std::string> overrides;
  std::vector<std::string> arms;  ///< the arms run, in order (a --arms selection)
};

/// Writes a checkpoint atomically (temporary file and rename): the scenario, the result
/// so far (completed arm runs), the position, the arm in progress's metric rows and the
/// simulation's state. A simulation sharded over ranks (Simulation::users) is saved by
/// every rank calling this: each writes its part (its SaveState, sealed) to its own file,
/// CheckpointPartPath(path, rank, its SHA-256); rank 0 then writes `path`, which records
/// every part's SHA-256, and each rank removes its parts of earlier checkpoints. Nothing
/// is gathered but the digests, so a part's size is bounded by its rank's memory only.
/// Throws InputError naming a plug-in that does not support checkpoints.
void WriteCheckpoint(const std::string& path, const CheckpointScenarioInfo& scenario, const RunResult& result,
                     const CheckpointPosition& position, const std::vector<double>& rows, const Simulation& sim,
                     const Scenario& sc);

/// The file of rank `rank`'s part of a sharded checkpoint: `path`.rank<rank>.<the first
/// 16 hex digits of its SHA-256>, so a new part never overwrites one the current `path` names.
std::string CheckpointPartPath(const std::string& path, int rank, const std::string& sha256);

/// Removes rank `rank`'s part files of checkpoint `path` (every rank's if rank < 0) but `keep`.
void RemoveCheckpointParts(const std::string& path, int rank, const std::string& keep);

/// A checkpoint read back: every field checked; the simulation's state is read last, by
/// LoadSimulation, into a simulation built for the same arm.
class Checkpoint {
 public:
  /// Reads and checks `path` (InputError if missing, truncated, corrupt or of another format version).
  explicit Checkpoint(const std::string& path);
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  const CheckpointScenarioInfo& scenario() const { return scenario_; }
  const CheckpointPosition& position() const { return position_; }
  /// The result so far (completed arm runs, columns, times).
  RunResult& result() { return result_; }
  /// The arm in progress's rows of the steps it completed (position().step x its simulation's columns).
  std::vector<double>& rows() { return rows_; }
  /// The number of ranks whose parts it holds (written sharded), or 0 (one simulation's state).
  int parts() const;
  /// Restores the arm in progress into `sim` (built for that arm); call once. Sharded, on
  /// as many ranks as wrote it (each takes its own part): InputError otherwise.
  void LoadSimulation(Simulation& sim, const Scenario& sc);

 private:
  std::string path_;
  std::string bytes_;
  std::string_view body_;
  StateReader reader_;
  CheckpointScenarioInfo scenario_;
  CheckpointPosition position_;
  RunResult result_;
  std::vector<double> rows_;
  std::vector<std::string> parts_;  ///< sharded: the SHA-256 of each rank's part file
};

}  // namespace counterpoint
