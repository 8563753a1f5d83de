#include "experiment/event_tables.h"

#include <set>
#include <sstream>

#include "core/rng.h"
#include "embeddings/catalog_config.h"
#include "experiment/runner.h"
#include "simulator/observers/counter_narrative_reach.h"
#include "simulator/population.h"

namespace counterpoint {

std::vector<ReplicateCatalog> ReplicateCatalogs(const Scenario& sc, const RunResult& result) {
  std::set<int> replicates;
  for (const auto& run : result.runs) replicates.insert(run.replicate);
  std::vector<ReplicateCatalog> out;
  for (const int r : replicates) {
    const uint64_t seed = DeriveSeed(sc.seed, r);
    out.push_back({r, seed, BuildCatalog(sc.CatalogBlocks(), seed)});
  }
  return out;
}

std::string ItemsCsv(const std::vector<ReplicateCatalog>& catalogs) {
  std::ostringstream out;
  out.precision(9);  // float32 values round-trip
  out << "replicate,item,label,topic,extremity,harm_score,parent,upload_step,creator\n";
  for (const auto& [r, seed, cat] : catalogs) {
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

std::string UsersCsv(const Scenario& sc, const std::vector<ReplicateCatalog>& catalogs) {
  AtRiskOptions at_risk_options;
  for (const auto& o : sc.observers)
    if (o.type == "counter_narrative_reach") at_risk_options = AtRiskOptionsFrom(o.params);
  std::ostringstream out;
  out.precision(9);
  out << "replicate,user,at_risk,extremity_projection,appetite,receptivity,susceptibility,session_prob\n";
  for (const auto& [r, seed, cat] : catalogs) {
    const Population pop = BuildPopulation(sc, *cat, seed);
    const std::vector<uint8_t> at_risk = AtRiskUsers(pop, *cat, at_risk_options);
    for (int64_t u = 0; u < pop.n; ++u)
      out << r << ',' << u << ',' << static_cast<int>(at_risk[u]) << ',' << cat->Project(pop.Interest(u)) << ','
          << pop.appetite[u] << ',' << pop.receptivity[u] << ',' << pop.susceptibility[u] << ',' << pop.session_prob[u]
          << '\n';
  }
  return out.str();
}

}  // namespace counterpoint
