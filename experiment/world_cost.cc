#include "experiment/world_cost.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "experiment/cost_prediction.h"
#include "experiment/memory_estimate.h"
#include "experiment/runner.h"
#include "experiment/world_audiences.h"
#include "world/world.h"
#include "world/world_config.h"
#include "world/world_log.h"

namespace counterpoint {

namespace {
// what a world keeps per upload while it steps, beyond its log record: the picture's and the
// soundtrack's hashes, the review flags (queued, listed), the orders' bits, the source weight
// (Fenwick), the content and the sound it re-encodes, its seat in a simulated audience, and
// a slot in the live list
constexpr double kWorldBytesPerUpload = 2.0 * kHashBytes + 2 + 8 + 8 + 8 + 8 + 8 + 8;
// a hash the shared database holds once indexed: its code and item, and a copy in each of
// the 16 tables (HashDatabase::Entry), plus the tables' 16 x 65536 buckets
constexpr double kBytesPerHeldHash = kHashBytes + 8 + 16.0 * (kHashBytes + 4);
constexpr double kTableBytes = 16.0 * 65536 * 24;
// a row of uploads.csv (about 28 columns of short numbers and names), and of preservation.csv
// (11 columns; at most one per upload)
constexpr double kCsvBytesPerUpload = 160 + 90;

std::string Scaled(double x) {
  std::ostringstream out;
  out.precision(17);
  out << x;
  return out.str();
}
}  // namespace

double ExpectedFreshUploads(const WorldConfig& w, int64_t steps) {
  double n = 1;  // the stream
  for (int64_t t = 0; t < steps; ++t) {
    const UploadRates r = UploadRatesAt(w, t * w.minutes_per_step);
    n += (r.copies + r.news) * static_cast<double>(w.minutes_per_step);
  }
  return n;
}

double AudienceBytes(const Scenario& sc) {
  // a replicate builds each platform's audience catalog once for all its arms
  // (experiment/world_audiences.h); each arm then holds its audiences' populations, item
  // state and buffers while it runs, one arm at a time
  std::map<std::string, double> catalogs;
  double largest_arm = 0;
  for (const ArmSpec& arm : sc.arms) {
    double simulations = 0;
    for (size_t p = 0; p < arm.audiences.size(); ++p) {
      if (!arm.audiences[p]) continue;
      const Scenario& a = *arm.audiences[p];
      const std::optional<CatalogShape> shape = EstimateCatalogShape(a);
      if (!shape) continue;  // a files catalog whose header cannot be read: its loader says why
      const MemoryEstimate e = EstimateMemory(a, *shape);
      const double catalog = e.Part("embeddings") + e.Part("item attributes") + e.Part("index");
      catalogs[a.file + "\n" + AudienceCatalogPlatform(*arm.world, p)] = catalog;
      simulations += e.total - catalog;
    }
    largest_arm = std::max(largest_arm, simulations);
  }
  double total = largest_arm;
  for (const auto& [key, bytes] : catalogs) total += bytes;
  return total;
}

WorldCostPrediction PredictWorldCost(const Scenario& sc, const ScenarioLoader& load,
                                     const std::vector<std::string>& arms) {
  WorldCostPrediction p;
  p.program_bytes = ResidentBytes();
  // two calibrations of every arm, one replicate each, at a quarter and an eighth of the
  // uploads (and of the news reports), or less so that the larger expects at most
  // kCalibrationUploads: the same steps, platforms and databases
  constexpr double kCalibrationUploads = 50000;
  std::vector<std::string> names = arms;
  if (names.empty())
    for (const ArmSpec& a : sc.arms) names.push_back(a.name);
  for (const std::string& name : names) {
    const auto found = std::find_if(sc.arms.begin(), sc.arms.end(), [&](const ArmSpec& a) { return a.name == name; });
    if (found == sc.arms.end())
      throw InputError(sc.file, "no arm '" + name +
                                    "' to predict; the scenario's arms are listed by `counterpoint "
                                    "run ... --dry-run` without --arms");
    const ArmSpec& full_arm = *found;
    const double fresh = ExpectedFreshUploads(*full_arm.world, sc.steps);
    const double larger = std::min(0.25, kCalibrationUploads / fresh);
    p.scale = std::max(p.scale, larger);
    // the third run has no uploads at all: what every step (and the database's unrelated
    // hashes) costs whatever the uploads
    const double kScales[3] = {larger / 2, larger, 0};
    double seconds[3], uploads[3], expected[3];
    for (int c = 0; c < 3; ++c) {
      const WorldConfig& w = *full_arm.world;
      Scenario cal = load({"replicates=1",
                           "world.incident.uploads_per_minute=" + Scaled(w.incident.uploads_per_minute * kScales[c]),
                           "world.news.uploads_per_minute=" + Scaled(w.news.uploads_per_minute * kScales[c])});
      SelectArms(cal, {name});
      expected[c] = ExpectedFreshUploads(*cal.arms.front().world, cal.steps);
      // twice, keeping the faster: another job on the machine only ever adds time
      seconds[c] = 1e300;
      for (int rep = 0; rep < 2; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        const RunResult res = RunScenario(cal);
        seconds[c] = std::min(seconds[c], std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        uploads[c] = res.runs.empty() || !res.runs.front().world
                         ? 0
                         : static_cast<double>(res.runs.front().world->uploads.size());
      }
    }
    WorldArmCost a;
    a.arm = name;
    a.calibration_seconds = seconds[1];
    a.calibration_uploads = uploads[1];
    a.fixed_seconds = std::min(seconds[2], seconds[0]);
    // uploads in proportion to those expected (retries follow the blocks, which follow the
    // uploads); seconds as the fixed part plus a power of the uploads through the two
    // calibrations, its exponent kept within [1, 2]: a world's work per step grows with the
    // copies alive, and the time of each visit with how far its state outgrows the caches (a
    // smaller exponent, seen where few uploads a step leave the screening's batches short,
    // does not last: bench/RESULTS.md, "Cost predicted")
    a.uploads = uploads[1] * fresh / expected[1];
    const double v0 = seconds[0] - a.fixed_seconds, v1 = seconds[1] - a.fixed_seconds;
    // (a world that expects no more uploads at the larger calibration, e.g. the stream alone,
    // has nothing to fit: exponent 1)
    const bool fit = v0 > 0 && v1 > 0 && expected[1] > 1.01 * expected[0];
    a.exponent = fit ? std::clamp(std::log(v1 / v0) / std::log(expected[1] / expected[0]), 1.0, 2.0) : 1.0;
    a.seconds = a.fixed_seconds + std::max(v1, 0.0) * std::pow(fresh / expected[1], a.exponent);
    p.arms.push_back(a);
  }
  double largest = 0, total_uploads = 0;
  for (const WorldArmCost& a : p.arms) {
    p.seconds_per_step += a.seconds / static_cast<double>(sc.steps) / static_cast<double>(p.arms.size());
    largest = std::max(largest, a.uploads);
    total_uploads += a.uploads * sc.replicates;
  }
  p.run_seconds = p.seconds_per_step * static_cast<double>(sc.steps) * static_cast<double>(p.arms.size()) *
                  static_cast<double>(sc.replicates);
  // every finished run's log is kept for the output files: each upload's record, and a
  // preservation record for each (at most one per take-down)
  p.log_bytes = total_uploads * (sizeof(UploadRecord) + sizeof(PreservedRecord));
  // the running world's own state (the variants its platforms hold are few beside it)
  int64_t background = 0;
  for (const ArmSpec& a : sc.arms) background = std::max(background, a.world->database.background_hashes);
  p.world_bytes = largest * kWorldBytesPerUpload;
  p.background_bytes = background > 0 ? static_cast<double>(background) * kBytesPerHeldHash + kTableBytes : 0;
  p.output_bytes = total_uploads * kCsvBytesPerUpload;
  p.audience_bytes = AudienceBytes(sc);
  // the peak comes during the last run (every log, the world, the unrelated hashes, the
  // audiences) or while the output files are written (every log and the tables' text),
  // whichever is larger
  p.peak_bytes =
      p.program_bytes + p.log_bytes + std::max(p.world_bytes + p.background_bytes + p.audience_bytes, p.output_bytes);
  return p;
}

}  // namespace counterpoint
