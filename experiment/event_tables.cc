#include "experiment/event_tables.h"

#include <set>
#include <sstream>

#include "core/rng.h"
#include "embeddings/catalog_config.h"
#include "simulator/observers/counter_narrative_reach.h"
#include "simulator/population.h"

namespace counterpoint {
namespace {

/// The replicates a result holds runs of, ascending.
std::set<int> Replicates(const RunResult& result) {
  std::set<int> out;
  for (const auto& run : result.runs) out.insert(run.replicate);
  return out;
}

}  // namespace

std::string ItemsCsv(const Scenario& sc, const RunResult& result) {
  std::ostringstream out;
  out.precision(9);  // float32 values round-trip
  out << "replicate,item,label,topic,extremity,harm_score,parent,upload_step,creator\n";
  for (const int r : Replicates(result)) {
    const auto cat = BuildCatalog(sc.CatalogBlocks(), DeriveSeed(sc.seed, r));
    for (int64_t i = 0; i < cat->size(); ++i) {
      out << r << ',' << i << ',' << LabelName(cat->label(i)) << ',' << cat->topic(i) << ',' << cat->extremity(i) << ','
          << cat->harm_score(i) << ',';
      if (cat->parent(i) >= 0) out << cat->parent(i);
      out << ',';
      if (cat->upload_step(i) != kUploadOnDemand) out << cat->upload_step(i);
      out << ',' << cat->creator(i) << '\n';
    }
  }
  return out.str();
}

std::string UsersCsv(const Scenario& sc, const RunResult& result) {
  AtRiskOptions at_risk_options;
  for (const auto& o : sc.observers)
    if (o.type == "counter_narrative_reach") at_risk_options = AtRiskOptionsFrom(o.params);
  std::ostringstream out;
  out.precision(9);
  out << "replicate,user,at_risk,extremity_projection,appetite,receptivity,susceptibility,session_prob\n";
  for (const int r : Replicates(result)) {
    const uint64_t seed = DeriveSeed(sc.seed, r);
    const auto cat = BuildCatalog(sc.CatalogBlocks(), seed);
    const Population pop = GeneratePopulation(sc.population, *cat, seed);
    const std::vector<uint8_t> at_risk = AtRiskUsers(pop, *cat, at_risk_options);
    for (int64_t u = 0; u < pop.n; ++u)
      out << r << ',' << u << ',' << static_cast<int>(at_risk[u]) << ',' << cat->Project(pop.Interest(u)) << ','
          << pop.appetite[u] << ',' << pop.receptivity[u] << ',' << pop.susceptibility[u] << ',' << pop.session_prob[u]
          << '\n';
  }
  return out.str();
}

}  // namespace counterpoint
