// counterpoint report RUN_DIR [--out report.html] [--allow-partial]
#include <iostream>

#include "cli/commands.h"
#include "experiment/report.h"

namespace counterpoint::cli {

namespace {
struct ReportArgs {
  std::string dir;
  std::string out;
  bool allow_partial = false;
};
}  // namespace

Action AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Write a run's report: one self-contained HTML page.");
  cmd->footer(
      "Reads RUN_DIR's manifest.json, summary.json, metrics_summary.csv, metrics.csv (and coverage_gaps.csv\n"
      "where the run wrote one), each checked against the SHA-256 the manifest records, and writes one HTML\n"
      "file that opens offline: a summary per arm in sentences, figures (inline SVG) with their numbers as\n"
      "tables, what the model assumes, the manifest and the resolved scenario (docs/cli.md, \"Reports\").\n"
      "A partial or unreadable run directory is refused (exit code 2) unless --allow-partial.\n"
      "Example: counterpoint report results/rabbit_hole --out rabbit_hole.html");
  cmd->add_option("run_dir", args->dir, "a run's output directory (counterpoint run --out DIR)")->required();
  cmd->add_option("--out", args->out, "the HTML file to write (default: RUN_DIR/report.html)");
  cmd->add_flag("--allow-partial", args->allow_partial,
                "report a run that stopped early (manifest status partial), marked PARTIAL at the top");
  return [args]() {
    const std::string out = args->out.empty() ? args->dir + "/report.html" : args->out;
    WriteReport(args->dir, out, args->allow_partial);
    std::cout << "Report: " << out << "\n";
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("report", AddReportCommand);
}  // namespace

}  // namespace counterpoint::cli
