// counterpoint sweep SCENARIO.yaml --grid key.path=v1,v2,... [--grid ...] [--set ...]
//                   [--arms a,b] [--out DIR] [--jobs N] [--threads T] [--common-seeds]
#include <fcntl.h>
#include <omp.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/mpi_session.h"
#include "core/error.h"
#include "core/io.h"
#include "experiment/shipped_scenarios.h"
#include "experiment/sweep.h"

extern char** environ;

namespace counterpoint::cli {

namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string scenario;
  std::vector<std::string> grids;
  std::vector<std::string> sets;
  std::vector<std::string> arms;
  std::string out;
  int jobs = 1;
  int threads = 0;
  bool common_seeds = false;
  bool quiet = false;
};

std::string Describe(const SweepPlan& plan, const SweepPoint& p) {
  std::string s = "point " + std::to_string(p.index + 1) + "/" + std::to_string(plan.points.size()) + " (";
  for (size_t a = 0; a < plan.axes.size(); ++a) s += (a ? ", " : "") + plan.axes[a].key + "=" + p.values[a];
  return s + ")";
}

// starts `counterpoint run` for one point; its output goes to the point's run.log
pid_t SpawnPoint(const SweepPlan& plan, const SweepPoint& p, const std::string& dir, int threads) {
  const std::string pdir = PointDir(dir, p);
  fs::create_directories(pdir);
  std::vector<std::string> args = {fs::read_symlink("/proc/self/exe").string(), "run", plan.scenario_path, "--out",
                                   pdir, "--quiet", "--threads", std::to_string(threads),
                                   // the sweep owns its points' directories: an unfinished one is rerun
                                   "--overwrite"};
  if (!plan.arms.empty()) {
    std::string arms;
    for (const std::string& a : plan.arms) arms += (arms.empty() ? "" : ",") + a;
    args.insert(args.end(), {"--arms", arms});
  }
  for (const std::string& s : PointOverrides(plan, p)) args.insert(args.end(), {"--set", s});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = pdir + "/run.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start '" + args[0] + " run': " + std::strerror(rc));
  return pid;
}

}  // namespace

Action AddSweepCommand(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd =
      app.add_subcommand("sweep", "Run a scenario over a grid of settings: every point, arm and replicate.");
  cmd->footer(
      "Writes DIR/points/NNNN/ (each grid point's full run: metrics.csv, summary.json, manifest.json),\n"
      "DIR/sweep_results.csv (one row per point, arm and metric: final-step mean over replicates, 95% CI,\n"
      "paired difference from the control) and DIR/sweep.json (grid, seeds, hashes; written last).\n"
      "Point p runs on a seed derived from the scenario's seed and p (--common-seeds: the same seed for\n"
      "all points). Run it again to resume: finished points are skipped. docs/cluster.md.\n"
      "Example: counterpoint sweep scenarios/rabbit_hole.yaml --grid user_model.extremity_appeal=0,2,4 --jobs 2");
  cmd->add_option("scenario", args->scenario, "scenario YAML file, or a shipped scenario's name")->required();
  cmd->add_option("--grid", args->grids, "an axis: key.path=v1,v2,... (repeatable; the grid is their product)")
      ->required();
  cmd->add_option("--set", args->sets, "override a setting at every point, e.g. --set replicates=3 (repeatable)");
  cmd->add_option("--arms", args->arms, "run only these arms, in this order")->delimiter(',');
  cmd->add_option("--out", args->out, "output directory (default: the scenario's output.dir + _sweep)");
  cmd->add_option("--jobs", args->jobs, "grid points run at once, each in its own process (default 1: in this one)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--threads", args->threads,
                  "OpenMP threads per point (default: the cores divided among the jobs; results do not depend on it)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--common-seeds", args->common_seeds,
                "run every point on the scenario's own seed (common random numbers across points)");
  cmd->add_flag("--quiet", args->quiet, "no progress output");
  return [args]() {
    std::vector<GridAxis> axes;
    for (const std::string& g : args->grids) axes.push_back(ParseGridAxis(g));
    args->scenario = ResolveScenarioPath(args->scenario);  // a path, or a shipped scenario's name
    const SweepPlan plan = PlanSweep(args->scenario, args->sets, args->arms, axes, args->common_seeds);
    const std::string dir =
        args->out.empty() ? LoadScenario(args->scenario, args->sets).output_dir + "_sweep" : args->out;
    const Collective* mpi = MpiWorld();
    const bool writer = MpiRank() == 0;
    if (mpi && args->jobs != 1)
      throw InputError("--jobs",
                       "under mpirun the ranks share the points out; leave --jobs at 1 (one point at a time "
                       "per rank)");
    fs::create_directories(dir);
    const int cores = omp_get_num_procs();
    const int threads = args->threads > 0 ? args->threads : std::max(1, cores / args->jobs);
    std::vector<const SweepPoint*> todo;
    for (const SweepPoint& p : plan.points) {
      if (PointFinished(dir, p)) {
        if (!args->quiet && writer) std::cerr << "  " << Describe(plan, p) << ": finished earlier, skipped\n";
      } else {
        todo.push_back(&p);
      }
    }
    if (mpi) {
      // every rank has listed the same points before any rank finishes one; rank r then runs
      // points r, r + N, r + 2N, ... of the list, each in-process on its own
      mpi->Barrier();
      std::vector<const SweepPoint*> mine;
      for (size_t i = MpiRank(); i < todo.size(); i += MpiSize()) mine.push_back(todo[i]);
      if (writer)
        std::cerr << "counterpoint: sweep of " << plan.points.size() << " point(s), " << todo.size() << " to run over "
                  << MpiSize() << " MPI ranks, " << threads << " thread(s) each\n";
      todo = std::move(mine);
    } else {
      std::cerr << "counterpoint: sweep of " << plan.points.size() << " point(s), " << todo.size() << " to run, "
                << args->jobs << " at a time, " << threads << " thread(s) each\n";
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::vector<std::string> failed;
    if (args->jobs == 1) {
      omp_set_num_threads(threads);
      for (const SweepPoint* p : todo) {
        RunSweepPoint(plan, *p, dir);
        if (!args->quiet) std::cerr << RankPrefix() << "  " << Describe(plan, *p) << ": done (" << elapsed() << " s)\n";
      }
    } else {
      std::map<pid_t, const SweepPoint*> running;
      size_t next = 0;
      while (next < todo.size() || !running.empty()) {
        while (next < todo.size() && static_cast<int>(running.size()) < args->jobs) {
          running[SpawnPoint(plan, *todo[next], dir, threads)] = todo[next];
          ++next;
        }
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) break;
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const SweepPoint* p = it->second;
        running.erase(it);
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && PointFinished(dir, *p);
        if (!ok) failed.push_back(Describe(plan, *p) + ": failed; see " + PointDir(dir, *p) + "/run.log");
        if (!args->quiet)
          std::cerr << "  " << Describe(plan, *p) << (ok ? ": done (" : ": FAILED (") << elapsed() << " s)\n";
      }
    }
    if (!failed.empty()) {
      for (const std::string& f : failed) std::cerr << "counterpoint: error: " << f << "\n";
      std::cerr << "counterpoint: " << failed.size() << " point(s) failed; the others are kept: fix the cause and run "
                << "the same command again to resume\n";
      return 1;
    }
    // the results table once every rank's points are written
    if (mpi) mpi->Barrier();
    if (!writer) return 0;
    WriteFileAtomic(dir + "/sweep_results.csv", SweepResultsCsv(plan, dir));
    WriteFileAtomic(dir + "/sweep.json", SweepManifest(plan));
    std::cout << "Wrote " << dir << "/sweep_results.csv and sweep.json (" << plan.points.size() << " point(s), "
              << elapsed() << " s)\n";
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("sweep", AddSweepCommand);
}  // namespace

}  // namespace counterpoint::cli
