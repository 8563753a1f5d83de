// counterpoint list: every registered plug-in with its parameters.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "embeddings/catalog_source.h"
#include "experiment/scenario.h"
#include "experiment/shipped_scenarios.h"
#include "recommender/plugins.h"
#include "simulator/observers/observer.h"
#include "simulator/observers/puppet_slates.h"
#include "simulator/sock_puppets.h"
#include "simulator/user_model.h"
#include "world/world.h"
#include "world/world_spec.h"

namespace counterpoint::cli {

namespace {
// "NAME (KIND, UNIT): DEFINITION" after `prefix`
void PrintMetric(const std::string& prefix, const MetricSpec& m) {
  std::cout << prefix << m.name << " (" << MetricKindName(m.kind) << ", " << m.unit << "): " << m.definition << "\n";
}

void PrintSpec(const std::string& name, const ComponentSpec& spec) {
  std::cout << "  " << name << ": " << spec.doc << "\n";
  for (const auto& p : spec.params)
    std::cout << "      " << p.name << " (" << ParamTypeName(p.type) << (p.required ? ", required" : "") << ", default "
              << ParamValueToString(p.default_value) << "): " << p.doc << "\n";
  for (const auto& m : spec.metrics) PrintMetric("      metric ", m);
}

// every metric column of `Reg`'s plug-ins, by plug-in
template <class Reg>
void PrintMetrics(const std::string& title) {
  std::cout << title << ":\n";
  for (const auto& name : Reg::Get().Names()) {
    const ComponentSpec& spec = Reg::Get().Find(name)->spec;
    if (spec.metrics.empty()) continue;
    std::cout << "  " << name << ":\n";
    for (const auto& m : spec.metrics) PrintMetric("      ", m);
  }
}
template <class Reg>
void PrintRegistry(const std::string& title) {
  std::cout << title << ":\n";
  for (const auto& name : Reg::Get().Names()) PrintSpec(name, Reg::Get().Find(name)->spec);
  if (Reg::Get().Names().empty()) std::cout << "  (none registered yet)\n";
}

void PrintShippedScenarios() {
  std::cout << "shipped scenarios (counterpoint run NAME; a path still wins):\n";
  const std::vector<ShippedScenario> shipped = ListShippedScenarios();
  for (const ShippedScenario& s : shipped) std::cout << "  " << s.name << ": " << s.description << "\n";
  if (shipped.empty()) {
    std::cout << "  (none found; looked in";
    for (const std::string& d : ShippedScenarioDirs()) std::cout << " " << d;
    std::cout << ")\n";
  }
}
}  // namespace

Action AddListCommand(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("list", "List scenario blocks and plug-ins with their parameters, and the shipped scenarios.");
  auto what = std::make_shared<std::string>();
  cmd->add_option("what", *what,
                  "scenarios: only the shipped scenarios; metrics: only the metric columns, with their kind (share, "
                  "level, signed: docs/metrics.md), unit and definition")
      ->check(CLI::IsMember({"scenarios", "metrics"}));
  return [what]() {
    if (*what == "scenarios") {
      PrintShippedScenarios();
      return 0;
    }
    if (*what == "metrics") {
      std::cout << "Metric columns (metrics.csv; cn_org<k>_impressions: one column per organisation k). Kinds: share "
                   "(a proportion in [0, 1], interval on the logit scale), level, signed (no relative difference).\n";
      PrintMetrics<ObserverRegistry>("observers (default: " + JoinNames(DefaultObservers()) + ")");
      PrintMetrics<InterventionRegistry>("interventions");
      std::cout
          << "sock puppets (a scenario's sock_puppets block, docs/sock_puppets.md; <group>: each group's name):\n";
      for (const auto& m : PuppetSlateMetrics()) PrintMetric("      ", m);
      std::cout
          << "a world of platforms (a scenario's world block, docs/crisis.md; <platform>: each platform's name):\n";
      for (const auto& m : WorldMetrics()) PrintMetric("      ", m);
      return 0;
    }
    std::cout << "Scenario blocks:\n";
    PrintSpec("(top level)", ScenarioTopSpec());
    PrintSpec("index", IndexSpec());
    PrintSpec("population", PopulationSpec());
    PrintSpec("recommender / arms[i]", RecommenderSpec());
    PrintSpec("output", OutputSpec());
    PrintSpec("sock_puppets[i]", PuppetGroupSpec());
    PrintSpec("sock_puppets[i].script[j]", ScriptSegmentSpec());
    for (const auto& [block, spec] : WorldBlockSpecs()) PrintSpec(block, spec);
    PrintRegistry<CatalogRegistry>("catalog sources (catalog.type)");
    PrintRegistry<UserModelRegistry>("user models (user_model.type)");
    PrintRegistry<RetrieverRegistry>("retrievers (recommender.retriever.type)");
    PrintRegistry<RankerRegistry>("rankers (recommender.ranker.type)");
    PrintRegistry<InterventionRegistry>("interventions (recommender.interventions[i].type)");
    PrintRegistry<ObserverRegistry>("observers (observers[i])");
    PrintShippedScenarios();
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("list", AddListCommand);
}  // namespace

}  // namespace counterpoint::cli
