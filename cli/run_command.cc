// counterpoint run SCENARIO.yaml [--out DIR] [--set key.path=value ...] [--arms a,b] [--threads N]
//                  [--memory-limit SIZE]
#include <omp.h>

#include <iostream>

#include "cli/commands.h"
#include "simulator/memory_estimate.h"
#include "simulator/runner.h"

namespace counterpoint::cli {

namespace {
struct RunArgs {
  std::string scenario;
  std::string out;
  std::vector<std::string> sets;
  std::vector<std::string> arms;
  int threads = 0;
  std::string memory_limit;
  bool quiet = false;
};
}  // namespace

Action AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario: every arm for every replicate.");
  cmd->footer(
      "Writes DIR/metrics.csv (a row per step, arm and replicate), DIR/summary.json (final\n"
      "metrics per arm with 95% CIs and differences against the first arm),\n"
      "DIR/metrics_summary.csv (per step, arm and metric: mean over replicates and 95% CI) and\n"
      "DIR/manifest.json (resolved scenario, hash, seeds, version, git revision, times).\n"
      "Example: counterpoint run scenarios/rabbit_hole.yaml --set population.n_users=2000");
  cmd->add_option("scenario", args->scenario, "scenario YAML file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "output directory (default: the scenario's output.dir)");
  cmd->add_option("--set", args->sets, "override a setting, e.g. --set arms.0.ranker.type=random (repeatable)")
      ->take_all();
  cmd->add_option("--arms", args->arms,
                  "run only these arms, in this order (the first is the baseline), e.g. --arms engagement,relevance")
      ->delimiter(',');
  cmd->add_option("--threads", args->threads, "OpenMP threads (default: all cores; results do not depend on it)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--memory-limit", args->memory_limit,
                  "refuse runs estimated to need more, e.g. 8G (default: the smallest of available memory, "
                  "ulimit -v and the cgroup's limit)");
  cmd->add_flag("--quiet", args->quiet, "no progress output");
  return [args]() {
    Scenario sc = LoadScenario(args->scenario, args->sets);
    SelectArms(sc, args->arms);
    // refused before anything is allocated if its arrays would not fit (docs/scenarios.md, "Memory")
    std::optional<MemoryLimit> limit;
    if (!args->memory_limit.empty()) limit = MemoryLimit{ParseMemorySize(args->memory_limit), "--memory-limit"};
    CheckScenarioMemory(sc, limit);
    if (args->threads > 0) omp_set_num_threads(args->threads);
    const int threads = omp_get_max_threads();
    const std::string out = args->out.empty() ? sc.output_dir : args->out;
    std::cerr << "counterpoint: running '" << sc.name << "' (" << sc.arms.size() << " arm(s) x " << sc.replicates
              << " replicate(s) x " << sc.steps << " steps, " << threads << " thread(s))\n";
    Progress progress("  simulating");
    const RunResult result = RunScenario(sc, [&](int64_t done, int64_t total) {
      if (!args->quiet) progress.Update(done, total);
    });
    if (!args->quiet) progress.Finish();
    WriteOutputs(out, sc, result, threads);
    std::cout << SummaryTable(sc, Summarize(sc, result));
    std::cout << "Wrote " << out << "/metrics.csv, summary.json, metrics_summary.csv, manifest.json ("
              << result.wall_seconds << " s)\n";
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("run", AddRunCommand);
}  // namespace

}  // namespace counterpoint::cli
