// What a run will cost before it starts (docs/scenarios.md, "Cost"): its seconds per step,
// from a short calibration run of the same scenario at a small size on this machine,
// scaled by how the work per user grows with the catalog, and its peak memory, from the
// memory estimate. `counterpoint run --dry-run` prints both.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "experiment/memory_estimate.h"
#include "experiment/scenario.h"

namespace counterpoint {

/// Multiply-adds of one query against an index over n vectors of dimension d, up to a
/// constant that cancels between two sizes of the same index kind: Flat n·d; IVF<L> with
/// `nprobe` lists L·d (the coarse quantizer) + nprobe·(n/L)·c, c the bytes scanned per code
/// (d for Flat, d for SQ8, the m of PQm); HNSW<M> with beam ef: ef·M·log2(n)·d.
double SearchWork(const std::string& factory, int nprobe, int ef_search, double n, double d);

/// The small scenario a prediction is calibrated on: at most `users` users and, for a
/// synthetic catalog, `items` items with an IVF index of the same list length (L scaled with
/// the catalog, nprobe kept up to L), a few steps, one replicate, no event logs. Overrides
/// in the form `--set` takes.
std::vector<std::string> CalibrationOverrides(const Scenario& sc, int64_t users, int64_t items, int64_t steps);

/// The two terms of an IVF query's work (SearchWork's), apart: the coarse quantizer's L·d
/// and the lists' nprobe·(n/L)·c.
struct IvfWork {
  double coarse = 0, lists = 0;
};
IvfWork IvfSearchWork(const std::string& factory, int nprobe, double n, double d);

/// This process's resident set (VmRSS in /proc/self/status), 0 where it cannot be read.
double ResidentBytes();

/// One arm's measured calibration and its prediction at full size.
struct ArmCost {
  std::string arm;
  double calibration_seconds_per_step = 0;
  double search_share = 0;      ///< of the calibration's step time, inside FAISS search
  double seconds_per_step = 0;  ///< predicted at full size
};

struct CostPrediction {
  std::vector<ArmCost> arms;
  double seconds_per_step = 0;  ///< mean over the arms (the run's mean step)
  double run_seconds = 0;       ///< every step of every arm and replicate (index builds not counted)
  MemoryEstimate memory;        ///< the full run's estimate, by part
  double program_bytes = 0;     ///< this process's resident memory before the calibration (code, libraries)
  double peak_bytes = 0;        ///< memory.total plus program_bytes
  int64_t calibration_users = 0, calibration_items = 0, calibration_steps = 0;
  double user_ratio = 1;  ///< the run's users (a rank's block) over the calibration's
  std::string calibration_factory;
  double search_work_ratio = 1;  ///< predicted search time at full size over the calibration's (mean of the arms)
};

/// Runs the calibration (the scenario at `path` with `sets` and the calibration overrides,
/// the arms `arms` if given) and scales it: per arm, seconds per step = U/U' · (rest + search'),
/// rest the calibration's step time outside FAISS search and search' its search time scaled
/// to the full catalog. For an IVF index the two terms of a query's work cost differently
/// (the coarse quantizer runs as one matrix product over a batch, the lists are scanned one
/// query at a time), so a second calibration with the full run's number of lists (short ones,
/// on the calibration's items) separates them:
/// search = a·coarse + b·lists, solved from the two, then evaluated at full size; other
/// indexes scale by the work ratio. `shards`: the ranks users are sharded over.
/// `load` builds the scenario again with more overrides appended (the calibration's size).
CostPrediction PredictCost(const Scenario& sc, const ScenarioLoader& load, const std::vector<std::string>& arms,
                           int shards = 1);
/// The same for the scenario file at `path` with the `--set` assignments `sets` (the CLI's).
CostPrediction PredictCost(const Scenario& sc, const std::string& path, const std::vector<std::string>& sets,
                           const std::vector<std::string>& arms, int shards = 1);

}  // namespace counterpoint
