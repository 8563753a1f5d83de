// counterpoint run SCENARIO.yaml [--out DIR] [--set key.path=value ...] [--arms a,b] [--threads N]
//                                [--checkpoint K] [--report]
// counterpoint run --resume DIR [SCENARIO.yaml ...]
//                  [--memory-limit SIZE] [--replicate-users]
#include <omp.h>
#include <signal.h>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/dry_run.h"
#include "cli/mpi_session.h"
#include "cli/summary_table.h"
#include "core/error.h"
#include "core/io.h"
#include "experiment/existing_result.h"
#include "experiment/memory_estimate.h"
#include "experiment/outputs.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "experiment/shipped_scenarios.h"
#include "experiment/summary.h"
#include "experiment/world_runner.h"

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
  int64_t checkpoint = 0;
  std::string resume;
  bool replicate_users = false;
  bool overwrite = false;
  bool report = false;
  bool dry_run = false;
};

// the signal that asked the run to stop (SIGINT, SIGTERM), 0 while none did
volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int sig) { g_stop_signal = sig; }

// SIGINT and SIGTERM end the run at the next step boundary, with partial results; the
// handler is reset once it ran, so a second Ctrl-C ends the process at once
void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}
}  // namespace

Action AddRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario: every arm for every replicate.");
  cmd->footer(
      "Writes DIR/metrics.csv (a row per step, arm and replicate), DIR/summary.json (final\n"
      "metrics per arm with 95% CIs and differences against the control arm: control: or the first),\n"
      "DIR/metrics_summary.csv (per step, arm and metric: mean over replicates and 95% CI) and\n"
      "DIR/manifest.json (resolved scenario, hash, seeds, version, git revision, times, the files\n"
      "written with their SHA-256, status complete or partial).\n"
      "SIGINT (Ctrl-C) or SIGTERM stops at the next step and writes what was completed, marked\n"
      "partial; exit code 130 (SIGINT) or 143 (SIGTERM). With --checkpoint K a checkpoint is kept\n"
      "in DIR/checkpoint.bin; `counterpoint run --resume DIR` continues it (docs/cli.md).\n"
      "Example: counterpoint run scenarios/rabbit_hole.yaml --set population.n_users=2000");
  cmd->add_option("scenario", args->scenario,
                  "scenario YAML file, or a shipped scenario's name (rabbit_hole; counterpoint list scenarios); "
                  "optional with --resume");
  auto* out = cmd->add_option("--out", args->out,
                              "output directory (default: the scenario's output.dir, or a timestamped sibling of it "
                              "when it already holds a result); one that holds a result is refused without "
                              "--overwrite");
  cmd->add_option("--set", args->sets, "override a setting, e.g. --set arms.0.ranker.type=random (repeatable)")
      ->take_all();
  cmd->add_option("--arms", args->arms,
                  "run only these arms, in this order (the control stays the scenario's control: if kept, else the "
                  "first), e.g. --arms engagement,relevance")
      ->delimiter(',');
  cmd->add_option("--threads", args->threads, "OpenMP threads (default: all cores; results do not depend on it)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--checkpoint", args->checkpoint,
                  "write a checkpoint to DIR/checkpoint.bin every K steps (counted over the whole run)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--resume", args->resume,
                  "continue the run checkpointed in DIR (its results go to DIR); a scenario given must be the "
                  "one it ran")
      ->check(CLI::ExistingDirectory)
      ->excludes(out);
  cmd->add_option("--memory-limit", args->memory_limit,
                  "refuse runs estimated to need more, e.g. 8G (default: the smallest of available memory, "
                  "ulimit -v and the cgroup's limit)");
  cmd->add_flag("--replicate-users", args->replicate_users,
                "under mpirun: every rank holds every user and only retrieval is shared out, even where users "
                "could be sharded (docs/cluster.md, \"MPI\"; the results are the same)");
  cmd->add_flag("--overwrite", args->overwrite, "replace the result the output directory already holds");
  cmd->add_flag("--quiet", args->quiet, "no progress output");
  cmd->add_flag("--dry-run", args->dry_run,
                "check the scenario, estimate its memory and predict its seconds per step from a short calibration "
                "on this machine (the last line: predicted: <s> s/step, <GiB> GiB peak); nothing is written")
      ->excludes("--resume");
  cmd->add_flag("--report", args->report,
                "also write DIR/report.html, the run's report (counterpoint report; marked partial for a stopped run)");
  return [args]() {
    Scenario sc;
    RunControl control;
    // a path, or a shipped scenario's name (a path wins)
    if (!args->scenario.empty()) args->scenario = ResolveScenarioPath(args->scenario);
    if (!args->resume.empty()) {
      control.resume_path = CheckpointPath(args->resume);
      if (!std::filesystem::exists(control.resume_path))
        throw InputError(args->resume, "no checkpoint here (checkpoint.bin); run with --checkpoint K to keep one");
      if (args->scenario.empty() && (!args->sets.empty() || !args->arms.empty()))
        throw InputError("--resume", "--set and --arms need the scenario file; without one the checkpoint's is used");
      // the checkpoint's own scenario, or the one given (the runner checks it is the same)
      if (args->scenario.empty()) sc = CheckpointScenario(control.resume_path);
    } else if (args->scenario.empty()) {
      throw InputError("counterpoint run", "give a scenario file, or --resume DIR to continue a checkpointed run");
    }
    if (!args->scenario.empty()) {
      sc = LoadScenario(args->scenario, args->sets);
      SelectArms(sc, args->arms);
      control.scenario_text = ReadFile(args->scenario);
    }
    // refused before anything is allocated if its arrays would not fit (docs/scenarios.md, "Memory")
    std::optional<MemoryLimit> limit;
    if (!args->memory_limit.empty()) limit = MemoryLimit{ParseMemorySize(args->memory_limit), "--memory-limit"};
    // under mpirun, why every rank would hold every user ("": users sharded, and a rank
    // holds only its block of them)
    control.replicate_users = args->replicate_users;
    control.checkpoint_every = args->checkpoint;
    const std::string replicated_because = ReplicationReason(sc, control, MpiSize());
    CheckScenarioMemory(sc, limit, MpiSize() > 1 && replicated_because.empty() ? MpiSize() : 1,
                        args->checkpoint > 0 || !args->resume.empty());
    if (args->threads > 0) omp_set_num_threads(args->threads);
    const int threads = omp_get_max_threads();
    if (args->dry_run)
      return DryRun(sc, args->scenario, args->sets, args->arms, threads,
                    MpiSize() > 1 && replicated_because.empty() ? MpiSize() : 1);
    // under mpirun every rank computes the same result; rank 0 alone reports and writes it
    const bool writer = MpiRank() == 0;
    // an earlier result is never replaced unasked: --out refuses one, output.dir moves aside
    std::string out = !args->resume.empty() ? args->resume : args->out.empty() ? sc.output_dir : args->out;
    if (args->resume.empty() && !args->overwrite) {
      if (!args->out.empty()) {
        RefuseToOverwrite(out, "--out", "--overwrite");
      } else {
        int64_t now = static_cast<int64_t>(std::time(nullptr));
        if (MpiWorld()) BroadcastFrom(*MpiWorld(), 0, {&now, 1});  // one name on every rank
        out = FreshOutputDir(sc.output_dir, now);
        if (writer && out != sc.output_dir)
          std::cerr << "counterpoint: output.dir '" << sc.output_dir << "' already holds a result; writing to '" << out
                    << "' (--out DIR to choose, --overwrite to replace it)\n";
        if (MpiWorld()) MpiWorld()->Barrier();
      }
    }
    const bool quiet = args->quiet || !writer;
    control.collective = MpiWorld();
    // an output directory that cannot be written fails now, not after the whole run
    if (writer)
      CheckWritableDirectory(out, !args->resume.empty() ? "--resume" : args->out.empty() ? "output.dir" : "--out");
    control.checkpoint_path = CheckpointPath(out);
    InstallStopHandlers();
    control.should_stop = [] { return g_stop_signal != 0; };
    if (writer) {
      std::cerr << "counterpoint: " << (args->resume.empty() ? "running '" : "resuming '") << sc.name << "' ("
                << sc.arms.size() << " arm(s) x " << sc.replicates << " replicate(s) x " << sc.steps << " steps, "
                << threads << " thread(s)";
      if (MpiSize() > 1) std::cerr << " in each of " << MpiSize() << " MPI ranks";
      std::cerr << ")\n";
      if (MpiSize() > 1 && replicated_because.empty())
        std::cerr << "counterpoint: users sharded: each rank holds and runs its own block of users\n";
      else if (MpiSize() > 1)
        std::cerr << "counterpoint: users replicated: every rank holds every user (retrieval alone is shared "
                     "out), because of "
                  << replicated_because << " (docs/cluster.md, \"MPI\")\n";
    }
    Progress progress("  simulating");
    const RunResult result = RunScenario(
        sc,
        [&](int64_t done, int64_t total) {
          if (!quiet) progress.Update(done, total);
        },
        control);
    if (!quiet) progress.Finish();
    // a rank stopped by another rank's signal reports the usual SIGINT code
    const int stop_signal = g_stop_signal != 0 ? static_cast<int>(g_stop_signal) : SIGINT;
    if (!writer) return result.partial ? 128 + stop_signal : 0;
    WriteOutputs(out, sc, result, threads);
    std::cout << SummaryTable(sc, Summarize(sc, result));
    // the report reads the files just written, as `counterpoint report` would
    if (args->report) {
      WriteReport(out, out + "/report.html", true);
      std::cout << "Report: " << out << "/report.html\n";
    }
    if (result.partial) {
      const int sig = stop_signal;
      std::cerr << "counterpoint: stopped by " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                << "; wrote the completed steps to " << out << " (manifest.json status: partial)";
      if (args->checkpoint > 0) std::cerr << "; continue with: counterpoint run --resume " << out;
      std::cerr << "\n";
      return 128 + sig;
    }
    // a complete result needs no checkpoint
    RemoveCheckpoint(control.checkpoint_path);
    const std::string uploads = !HasWorld(sc) ? "" : sc.compress_events ? "uploads.csv.gz, " : "uploads.csv, ";
    std::cout << "Wrote " << out << "/metrics.csv, summary.json, metrics_summary.csv, " << uploads << "manifest.json ("
              << result.wall_seconds << " s)\n";
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("run", AddRunCommand);
}  // namespace

}  // namespace counterpoint::cli
