#include "cli/graph_args.h"

#include <cmath>
#include <filesystem>
#include <iostream>

#include "core/io.h"

namespace counterpoint::cli {

namespace {
// CLI11's NonNegativeNumber lets "nan" through (every comparison with NaN is false)
const CLI::Validator kFiniteNonNegative(
    [](std::string& text) -> std::string {
      double v = 0;
      size_t used = 0;
      try {
        v = std::stod(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != text.size() || used == 0 || !std::isfinite(v) || !(v >= 0))
        return "expected a finite number >= 0, got '" + text + "'";
      return "";
    },
    "NUMBER>=0");
const CLI::Validator kNonNegativeInteger(
    [](std::string& text) -> std::string {
      if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
        return "expected an integer >= 0, got '" + text + "'";
      return "";
    },
    "INT>=0");
}  // namespace

void AddGraphOptions(CLI::App* cmd, GraphArgs& a) {
  cmd->add_option("scenario", a.scenario, "audit scenario YAML (e.g. scenarios/recfluence_audit.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--nodes", a.nodes, "nodes CSV: id, label, numeric attributes")->check(CLI::ExistingFile);
  cmd->add_option("--edges", a.edges, "edges CSV: src, dst, weight")->check(CLI::ExistingFile);
  cmd->add_option("--recfluence", a.recfluence, "read the Recfluence 2018 dataset directory instead of CSVs")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--knn", a.knn, "kNN watch-next graph of a run scenario's catalog and index (e.g. rabbit_hole.yaml)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--harmful", a.harmful, "harmful labels, comma-separated (repeat for several sets)");
  cmd->add_option("--start", a.start, "start distribution: uniform, or attribute:NAME (e.g. attribute:subscribers)");
  cmd->add_option("--group-flow", a.group_flows,
                  "audit: labels of a group whose recommendation flow to and from the rest is reported, "
                  "comma-separated (repeat for several groups)");
  cmd->add_option("--flow-weight", a.flow_weight,
                  "audit: weight of each source in the group flows: uniform, or attribute:NAME (e.g. attribute:views)");
  cmd->add_option("--sinks", a.sinks, "nodes without out-edges: prune, absorb or self_loop")
      ->check(CLI::IsMember({"prune", "absorb", "self_loop"}));
  cmd->add_option("--k", a.k, "steps for reach-within-k")->check(CLI::Range(0, 1000000));
  cmd->add_option("--horizon", a.horizon, "truncated bubble radius horizon")->check(CLI::Range(0, 1000000));
  cmd->add_option("--walkers", a.walkers, "walkers of each kind (bots, users)")->check(CLI::Range(0, 1000000000));
  cmd->add_option("--length", a.length, "steps per walk")->check(CLI::Range(0, 1000000));
  cmd->add_option("--seed", a.seed, "seed of the journeys")->check(kNonNegativeInteger);
  cmd->add_option("--budget", a.budget, "rewiring operations / inserted links")->check(CLI::Range(0, 1000000));
  cmd->add_option("--tau", a.tau, "relevance ratio a rewired target must reach")->check(kFiniteNonNegative);
  cmd->add_option("--out", a.out, "JSON output path (default results/<name>/<command>.json)");
}

AuditConfig ConfigFromArgs(const CLI::App& cmd, const GraphArgs& a, const std::string& command) {
  AuditConfig c;
  const bool from_file = !a.scenario.empty();
  if (from_file) c = LoadAuditConfig(a.scenario);
  auto given = [&](const std::string& flag) { return cmd.count(flag) > 0; };
  // the graph
  if (given("--recfluence")) c.source = "recfluence", c.dir = a.recfluence;
  if (given("--nodes") || given("--edges")) {
    if (a.nodes.empty() || a.edges.empty()) throw InputError("--nodes/--edges", "give both --nodes and --edges");
    c.source = "csv", c.nodes = a.nodes, c.edges = a.edges;
  }
  if (given("--knn")) {
    c.source = "knn";
    c.knn_catalog = std::make_shared<const CatalogConfig>(LoadKnnCatalog(a.knn));
  }
  if (!from_file && !given("--recfluence") && !given("--nodes") && !given("--knn"))
    throw InputError(command,
                     "give a scenario file, --nodes N.csv --edges E.csv, --recfluence DIR or --knn RUN_SCENARIO.yaml "
                     "(see counterpoint " +
                         command + " --help)");
  if (given("--sinks") || !from_file) c.sinks = ParseSinkPolicy(a.sinks).value_or(SinkPolicy::kPrune);
  // harmful sets
  if (given("--harmful")) {
    c.harmful.clear();
    for (const std::string& h : a.harmful) {
      c.harmful.push_back({h, SplitLabels(h)});
      if (c.harmful.back().labels.empty()) throw InputError("--harmful", "'" + h + "' names no label");
    }
  }
  if (c.harmful.empty()) throw InputError("--harmful", "give the harmful labels, e.g. --harmful Alt-right,Alt-lite");
  // "uniform" or "attribute:NAME": where walks start, or how group flows weigh their sources
  auto parse_weight = [](const std::string& text, const std::string& flag) -> StartSpec {
    if (text == "uniform") return {"uniform", ""};
    if (text.rfind("attribute:", 0) == 0 && text.size() > 10) return {"attribute", text.substr(10)};
    throw InputError(flag, "'" + text + "' is not uniform or attribute:NAME");
  };
  // start distribution
  if (given("--start") || !from_file) c.start = parse_weight(a.start, "--start");
  // groups whose flows to and from the rest are reported, with the sources' weight
  if (given("--group-flow")) {
    c.group_flows.clear();
    const StartSpec weight = parse_weight(a.flow_weight, "--flow-weight");
    for (const std::string& g : a.group_flows) {
      c.group_flows.push_back({g, SplitLabels(g), weight});
      if (c.group_flows.back().labels.empty()) throw InputError("--group-flow", "'" + g + "' names no label");
    }
  } else if (given("--flow-weight")) {
    const StartSpec weight = parse_weight(a.flow_weight, "--flow-weight");
    if (c.group_flows.empty())
      throw InputError("--flow-weight",
                       "no group flow to weigh; give --group-flow L1,L2 (or a scenario's group_flows)");
    for (GroupFlowSpec& g : c.group_flows) g.weight = weight;
  }
  // numbers
  if (given("--k") || !from_file) c.reach_k = a.k;
  if (given("--horizon") || !from_file) c.horizon = a.horizon;
  if (given("--walkers") || !from_file) c.journeys.walkers = a.walkers;
  if (given("--length") || !from_file) c.journeys.length = a.length;
  if (given("--seed") || !from_file) c.journeys.seed = static_cast<uint64_t>(a.seed);
  if (given("--budget") || !from_file) c.rewire_budget = c.bubble_links = a.budget;
  if (given("--tau") || !from_file) c.tau = a.tau;
  if (given("--out")) c.output = a.out;
  if (c.output.empty())
    c.output = (c.output_dir.empty() ? "results/" + c.name : c.output_dir) + "/" + command + ".json";
  return c;
}

int RunGraphCommand(const AuditConfig& config, const std::string& command,
                    nlohmann::json (*run)(const AuditConfig&, const WatchNextGraph&, std::string&)) {
  // an output path that cannot be written fails before the graph is loaded and analysed
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(config.output, ec))
    throw InputError("--out", "'" + config.output + "' is a directory; give the JSON file's path");
  CheckWritableDirectory(fs::path(config.output).parent_path().string(), "--out " + config.output);
  const WatchNextGraph graph = LoadAuditGraph(config);
  std::string text;
  nlohmann::json out = run(config, graph, text);
  if (!config.file.empty()) out["scenario"] = config.file;
  // names and labels come from user files: invalid UTF-8 becomes U+FFFD rather than an error
  WriteFileAtomic(config.output, out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  std::cout << text << "Wrote " << config.output << "\n";
  return 0;
}

}  // namespace counterpoint::cli
