#include "experiment/world_runner.h"

#include <chrono>
#include <cmath>

#include "core/rng.h"
#include "experiment/metric_kinds.h"
#include "experiment/run_rows.h"
#include "experiment/world_audiences.h"
#include "world/world.h"

namespace counterpoint {

bool HasWorld(const Scenario& sc) { return !sc.arms.empty() && sc.arms.front().world != nullptr; }

RunResult RunWorldScenario(const Scenario& sc, const ProgressFn& progress, const RunControl& control) {
  if (control.checkpoint_every > 0 || !control.resume_path.empty())
    throw InputError(sc.file,
                     "a world of platforms (the 'world' block) keeps no checkpoints yet; run it without "
                     "--checkpoint and --resume");
  const auto t0 = std::chrono::steady_clock::now();
  RunResult result;
  result.steps = sc.steps;
  const Collective& comm = control.collective ? *control.collective : Serial();
  result.ranks = comm.size();
  if (comm.size() > 1) result.replicated_because = "a world of platforms runs whole on every rank";
  const int64_t total = static_cast<int64_t>(sc.replicates) * sc.arms.size() * sc.steps;
  int64_t done = 0;
  bool stop = false;
  for (int r = 0; r < sc.replicates && !stop; ++r) {
    const uint64_t seed = DeriveSeed(sc.seed, r);
    AudienceCatalogs catalogs;  // the replicate's audiences' catalogs, shared by its arms
    for (const ArmSpec& arm : sc.arms) {
      World world(*arm.world, seed, BuildAudiences(arm, seed, catalogs));
      const auto& cols = world.columns();
      ArmRun run;
      run.arm = arm.name, run.replicate = r, run.seed = seed;
      std::vector<double> rows(sc.steps * cols.size(), std::nan(""));
      int64_t t = 0;
      for (; t < sc.steps; ++t) {
        if (control.should_stop && comm.AnyTrue(control.should_stop())) {
          stop = true;
          break;
        }
        world.Step(t);
        world.WriteRow(rows.data() + t * cols.size());
        ++done;
        if (progress) progress(done, total);
      }
      if (stop) {
        result.partial = true;
        run.steps_done = t;
        if (t == 0) break;
      }
      // the result's columns are the union of the arms' (an arm may add a platform)
      for (const auto& c : cols)
        if (std::find(result.columns.begin(), result.columns.end(), c) == result.columns.end()) {
          result.columns.push_back(c);
          const MetricSpec* spec = FindMetric(WorldMetrics(), c);
          result.metric_kinds[c] = spec ? spec->kind : MetricKind::kLevel;
          for (auto& earlier : result.runs) WidenRows(earlier, sc.steps, result.columns.size() - 1, std::nan(""));
        }
      const size_t n = result.columns.size();
      run.rows.assign(sc.steps * n, std::nan(""));
      for (size_t c = 0; c < cols.size(); ++c) {
        const size_t to = std::find(result.columns.begin(), result.columns.end(), cols[c]) - result.columns.begin();
        for (int64_t s = 0; s < run.Steps(sc.steps); ++s) run.rows[s * n + to] = rows[s * cols.size() + c];
      }
      CheckShares(result, run);
      run.world = std::make_shared<const WorldLog>(std::move(world).TakeLog());
      result.runs.push_back(std::move(run));
      if (stop) break;
    }
  }
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace counterpoint
