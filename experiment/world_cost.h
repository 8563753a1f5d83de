// What a world of platforms (docs/crisis.md) will cost before it runs: the seconds of its
// steps, from two calibration runs of each arm at a fraction of its uploads on this machine
// scaled to the uploads the scenario expects, and its peak memory, counted from what it keeps
// per upload. `counterpoint run --dry-run` prints it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiment/scenario.h"

namespace counterpoint {

/// The uploads a world run expects that are not retries: the stream, the attack copies (the
/// Poisson means of the incident's rate, step by step) and the news reports.
double ExpectedFreshUploads(const WorldConfig& w, int64_t steps);

/// One arm: its calibrations and its prediction.
struct WorldArmCost {
  std::string arm;
  double uploads = 0;              ///< predicted per run, retries included
  double seconds = 0;              ///< predicted per run (its steps, one replicate)
  double calibration_seconds = 0;  ///< at the larger calibration
  double calibration_uploads = 0;
  double fixed_seconds = 0;  ///< a run without uploads: the steps and the database's unrelated hashes
  double exponent = 1;       ///< of the rest of the seconds against uploads (1 to 2), through two calibrations
};

struct WorldCostPrediction {
  std::vector<WorldArmCost> arms;
  double scale = 0;             ///< the larger calibration's share of the uploads
  double seconds_per_step = 0;  ///< mean over the arms
  double run_seconds = 0;       ///< every step of every arm and replicate
  double log_bytes = 0;         ///< the finished runs' upload logs, kept for the output files
  double world_bytes = 0;       ///< the largest run's own state while it steps
  double background_bytes = 0;  ///< the shared database's unrelated hashes
  double output_bytes = 0;      ///< uploads.csv's text, built before it is written
  double audience_bytes = 0;    ///< the simulated audiences' catalogs and the largest arm's simulations
  double program_bytes = 0;     ///< this process before the calibration
  double peak_bytes = 0;        ///< the sum
};

/// Bytes the simulated audiences of sc's platforms hold while an arm runs (docs/crisis.md,
/// "Audiences"): each audience's catalog and index once (a replicate's arms share them), plus
/// the largest arm's audience simulations (population, item state, buffers), each as
/// EstimateMemory counts a single-platform run. 0 without audiences.
double AudienceBytes(const Scenario& sc);

/// `load` builds the scenario again with more `--set` overrides appended.
WorldCostPrediction PredictWorldCost(const Scenario& sc, const ScenarioLoader& load,
                                     const std::vector<std::string>& arms);

}  // namespace counterpoint
