// Parameter sweeps: a grid of overrides over one scenario, one run per grid point
// (every arm and replicate), and one tidy results table (docs/cluster.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/scenario.h"

namespace counterpoint {

/// One `--grid key.path=v1,v2,...` axis.
struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

/// One grid point: a value per axis, and the seed its run uses.
struct SweepPoint {
  int64_t index = 0;
  std::vector<std::string> values;  ///< one per axis, in axis order
  uint64_t seed = 0;                ///< the scenario seed of this point's run
  std::string scenario_sha256;      ///< of the point's resolved scenario (resume checks it)
};

struct SweepPlan {
  std::string scenario_path;
  std::vector<std::string> sets;  ///< overrides common to every point (applied first)
  std::vector<std::string> arms;  ///< the arms to run (empty = all)
  std::vector<GridAxis> axes;
  uint64_t master_seed = 0;   ///< the scenario's seed (after `sets`)
  bool common_seeds = false;  ///< every point runs on the master seed (common random numbers)
  std::vector<SweepPoint> points;
};

/// Parses "key.path=v1,v2,..." (values are YAML scalars; at least one; no duplicates).
/// Throws InputError naming the argument.
GridAxis ParseGridAxis(const std::string& arg);

/// The seed of grid point p: DeriveSeed(master, 2^32 + p) / 4 (a valid scenario seed,
/// below 2^62), so that replicate r of point p runs on DeriveSeed(that, r); the master
/// seed itself when common_seeds.
uint64_t SweepPointSeed(uint64_t master_seed, int64_t point, bool common_seeds);

/// Expands the grid (the last axis varies fastest), derives each point's seed and
/// validates every point's scenario, so a bad value fails before any run starts.
/// Refuses more than `max_points` points.
SweepPlan PlanSweep(const std::string& scenario_path, const std::vector<std::string>& sets,
                    const std::vector<std::string>& arms, const std::vector<GridAxis>& axes, bool common_seeds,
                    int64_t max_points = 100000);

/// The `--set` assignments of point p: the common ones, the point's axis values, its seed.
std::vector<std::string> PointOverrides(const SweepPlan& plan, const SweepPoint& point);

/// The point's run directory: DIR/points/NNNN.
std::string PointDir(const std::string& dir, const SweepPoint& point);

/// Whether the point's directory holds a complete run of exactly this point: a
/// manifest.json (written last) for the same scenario hash, not marked partial.
bool PointFinished(const std::string& dir, const SweepPoint& point);

/// Runs one point in this process and writes its outputs to PointDir (manifest last).
void RunSweepPoint(const SweepPlan& plan, const SweepPoint& point, const std::string& dir);

/// sweep_results.csv: one row per point, arm and metric: the axis values, the final-step
/// mean over replicates with its 95% CI, and the paired difference from the control,
/// read from each point's summary.json. Requires every point finished.
std::string SweepResultsCsv(const SweepPlan& plan, const std::string& dir);

/// sweep.json: scenario, grid, seeds, the points with their hashes and directories.
std::string SweepManifest(const SweepPlan& plan);

}  // namespace counterpoint
