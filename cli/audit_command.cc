// counterpoint audit [SCENARIO.yaml] [--nodes N.csv --edges E.csv | --recfluence DIR | --knn RUN.yaml] --harmful ...
#include "cli/graph_args.h"

namespace counterpoint::cli {

Action AddAuditCommand(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd = app.add_subcommand("audit", "Confinement metrics of a watch-next graph (exact and by journeys).");
  cmd->footer(
      "Computes, for each harmful set: segregation (expected steps before a walk leaves the\n"
      "harmful set; Fabbri et al. 2022), truncated bubble radius (Haddadan et al. 2021),\n"
      "reach of the harmful set within k steps from the start distribution and from each\n"
      "label group, with Monte Carlo estimates from bot and user journeys next to the exact\n"
      "values; the label-to-label flow (Ribeiro et al. 2020); and, for each --group-flow, the\n"
      "recommendation flow from the group to the rest and back, sources weighted by\n"
      "--flow-weight (Ledwich & Zaitsev 2020). Prints a report and writes\n"
      "the JSON atomically. The sink policy and the data's dates are part of the output.\n"
      "Examples:\n"
      "  counterpoint audit scenarios/recfluence_audit.yaml\n"
      "  counterpoint audit --nodes nodes.csv --edges edges.csv --harmful extremist,borderline\n"
      "  counterpoint audit scenarios/synthetic_knn_audit.yaml\n"
      "  counterpoint audit --knn scenarios/rabbit_hole.yaml --harmful borderline,extremist\n"
      "  counterpoint audit --recfluence datasets/recfluence-2018 --harmful Alt-right --start attribute:subscribers\n"
      "  counterpoint audit --recfluence datasets/recfluence-2018 --harmful Alt-right \\\n"
      "      --group-flow Alt-right,Alt-lite,IDW --flow-weight attribute:views");
  AddGraphOptions(cmd, *args);
  return [cmd, args]() { return RunGraphCommand(ConfigFromArgs(*cmd, *args, "audit"), "audit", RunAudit); };
}

namespace {
const bool kRegistered = RegisterCommand("audit", AddAuditCommand);
}  // namespace

}  // namespace counterpoint::cli
