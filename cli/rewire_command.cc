// counterpoint rewire [SCENARIO.yaml] [--nodes N.csv --edges E.csv | --recfluence DIR] --harmful L1,L2 --budget k
#include "cli/graph_args.h"

namespace counterpoint::cli {

Action AddRewireCommand(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd = app.add_subcommand("rewire", "Greedy rewiring against segregation: before/after trajectory.");
  cmd->footer(
      "For each harmful set, moves the probability of one harmful -> harmful edge u -> v at a\n"
      "time to the most relevant non-harmful w (relevance ratio >= tau; Fabbri et al. 2022),\n"
      "greedily minimising the maximum segregation, and writes the max and mean segregation\n"
      "after 0..budget operations. Also inserts up to budget links to shrink the truncated\n"
      "bubble radius (RePBubLik, Haddadan et al. 2021) and, if the scenario sets a weight\n"
      "budget, counter-narrative links.\n"
      "Example: counterpoint rewire --recfluence datasets/recfluence-2018 --harmful Alt-right --budget 10");
  AddGraphOptions(cmd, *args);
  return [cmd, args]() { return RunGraphCommand(ConfigFromArgs(*cmd, *args, "rewire"), "rewire", RunRewire); };
}

namespace {
const bool kRegistered = RegisterCommand("rewire", AddRewireCommand);
}  // namespace

}  // namespace counterpoint::cli
