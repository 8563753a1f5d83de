#include "cli/dry_run.h"

#include <iomanip>
#include <iostream>
#include <sstream>

#include "experiment/cost_prediction.h"
#include "experiment/memory_estimate.h"
#include "experiment/world_cost.h"
#include "experiment/world_runner.h"

namespace counterpoint::cli {

namespace {
// three significant digits, never in exponent form for the sizes a run takes
std::string Seconds(double s) {
  std::ostringstream out;
  out << std::setprecision(s >= 100 ? 0 : s >= 1 ? 3 : 4) << (s >= 100 ? std::fixed : std::defaultfloat) << s;
  return out.str();
}
std::string GiB(double bytes) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << bytes / (1024.0 * 1024.0 * 1024.0);
  return out.str();
}

// a world of platforms: its own calibration (experiment/world_cost.h)
int WorldDryRun(const Scenario& sc, const std::string& path, const std::vector<std::string>& sets,
                const std::vector<std::string>& arms) {
  const WorldCostPrediction p = PredictWorldCost(sc, FileLoader(path, sets), arms);
  const MemoryLimit limit = SystemMemoryLimit();
  std::cout << "Memory: ~" << FormatBytes(p.peak_bytes) << " at the peak: this program " << FormatBytes(p.program_bytes)
            << ", upload logs kept for the output " << FormatBytes(p.log_bytes)
            << ", and the larger of the last run's world " << FormatBytes(p.world_bytes)
            << " with the database's unrelated hashes " << FormatBytes(p.background_bytes)
            << " and the simulated audiences " << FormatBytes(p.audience_bytes) << ", or the output tables' text "
            << FormatBytes(p.output_bytes) << "; the limit is " << FormatBytes(limit.bytes) << " (" << limit.source
            << ").\n";
  std::cout << "Calibration on this machine: each arm at " << Seconds(p.scale)
            << " and half that of the uploads, and without uploads (every step); the seconds beyond the last "
               "taken to the full rate as a power of the uploads:\n";
  for (const WorldArmCost& a : p.arms)
    std::cout << "  " << a.arm << ": " << Seconds(a.calibration_seconds) << " s for "
              << std::llround(a.calibration_uploads) << " uploads measured -> " << Seconds(a.seconds) << " s for ~"
              << std::llround(a.uploads) << " uploads (exponent " << Seconds(a.exponent) << ")\n";
  std::cout << "The whole run's steps: ~" << Seconds(p.run_seconds)
            << " s (writing the outputs not counted); bench/RESULTS.md, \"Cost predicted\", says how close this "
               "comes.\n";
  std::cout << "predicted: " << Seconds(p.seconds_per_step) << " s/step, " << GiB(p.peak_bytes) << " GiB peak\n";
  return 0;
}
}  // namespace

int DryRun(const Scenario& sc, const std::string& path, const std::vector<std::string>& sets,
           const std::vector<std::string>& arms, int threads, int shards) {
  std::cout << "Dry run of '" << sc.name << "' (" << sc.arms.size() << " arm(s) x " << sc.replicates
            << " replicate(s) x " << sc.steps << " steps, " << threads << " thread(s)";
  if (shards > 1) std::cout << ", users sharded over " << shards << " ranks";
  std::cout << "): the scenario is valid; nothing is run at full size or written.\n";
  if (HasWorld(sc)) return WorldDryRun(sc, path, sets, arms);
  const CostPrediction p = PredictCost(sc, path, sets, arms, shards);
  const MemoryEstimate& m = p.memory;
  const MemoryLimit limit = SystemMemoryLimit();
  std::cout << "Memory: ~" << FormatBytes(p.peak_bytes) << " at the peak (";
  for (size_t i = 0; i < m.parts.size(); ++i)
    std::cout << (i ? ", " : "") << m.parts[i].first << " " << FormatBytes(m.parts[i].second);
  std::cout << ", this program " << FormatBytes(p.program_bytes) << "); the limit is " << FormatBytes(limit.bytes)
            << " (" << limit.source << ").\n";
  std::cout << "Calibration on this machine: " << p.calibration_steps << " steps of each arm at " << p.calibration_users
            << " users x " << p.calibration_items << " items (index " << p.calibration_factory
            << "), scaled by users (x" << Seconds(p.user_ratio) << ") and by FAISS search's work per query (x"
            << Seconds(p.search_work_ratio) << "):\n";
  for (const ArmCost& a : p.arms)
    std::cout << "  " << a.arm << ": " << Seconds(a.calibration_seconds_per_step) << " s/step measured ("
              << std::lround(100 * a.search_share) << "% in search) -> " << Seconds(a.seconds_per_step) << " s/step\n";
  std::cout << "Steps of the whole run: ~" << Seconds(p.run_seconds)
            << " s (index builds not counted); bench/RESULTS.md, \"Cost predicted\", says how close this comes.\n";
  std::cout << "predicted: " << Seconds(p.seconds_per_step) << " s/step, " << GiB(p.peak_bytes) << " GiB peak\n";
  return 0;
}

}  // namespace counterpoint::cli
