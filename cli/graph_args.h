// Options shared by `counterpoint audit` and `counterpoint rewire`: a YAML audit
// scenario, or the graph and harmful set given as flags.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "graph/graph_audit.h"

namespace counterpoint::cli {

struct GraphArgs {
  std::string scenario;
  std::string nodes, edges, recfluence, knn;
  std::vector<std::string> harmful;
  std::string start = "uniform";
  std::vector<std::string> group_flows;  ///< --group-flow L1,L2 (repeatable)
  std::string flow_weight = "uniform";   ///< --flow-weight uniform|attribute:NAME
  std::string sinks = "prune";
  std::string out;
  int k = 10, horizon = 10, walkers = 10000, length = 20, budget = 10;
  double tau = 0.5;
  int64_t seed = 1;
};

/// Adds the shared options to `cmd`; `args` must outlive the parse.
void AddGraphOptions(CLI::App* cmd, GraphArgs& args);

/// The scenario's config (flags given on the command line override it), or a config
/// from the flags alone. Throws InputError naming the missing flag.
AuditConfig ConfigFromArgs(const CLI::App& cmd, const GraphArgs& args, const std::string& command);

/// Loads the graph, runs `run`, prints its report and writes its JSON atomically.
int RunGraphCommand(const AuditConfig& config, const std::string& command,
                    nlohmann::json (*run)(const AuditConfig&, const WatchNextGraph&, std::string&));

}  // namespace counterpoint::cli
