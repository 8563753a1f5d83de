#include "simulator/population.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace counterpoint {

ComponentSpec PopulationSpec() {
  const PopulationParams d;
  return {
      "Users: Beta-distributed traits, interest starting near a mainstream item (docs/model.md).",
      {IntParam("n_users", d.n_users, "number of users", 1, 1e9),
       DoubleParam("susceptibility_alpha", d.susceptibility_alpha, "Beta alpha of susceptibility", 1e-3, 1e3),
       DoubleParam("susceptibility_beta", d.susceptibility_beta, "Beta beta of susceptibility", 1e-3, 1e3),
       DoubleParam("appetite_alpha", d.appetite_alpha, "Beta alpha of appetite for extremity", 1e-3, 1e3),
       DoubleParam("appetite_beta", d.appetite_beta, "Beta beta of appetite for extremity", 1e-3, 1e3),
       DoubleParam("receptivity_alpha", d.receptivity_alpha, "Beta alpha of receptivity to counter-narratives", 1e-3,
                   1e3),
       DoubleParam("receptivity_beta", d.receptivity_beta, "Beta beta of receptivity to counter-narratives", 1e-3, 1e3),
       DoubleParam("session_alpha", d.session_alpha, "Beta alpha of the per-step session probability", 1e-3, 1e3),
       DoubleParam("session_beta", d.session_beta, "Beta beta of the per-step session probability", 1e-3, 1e3),
       DoubleParam("interest_noise", d.interest_noise, "noise norm around the starting item", 0, 10),
       DoubleParam("estimate_noise", d.estimate_noise, "noise norm of the cold-start estimate", 0, 10),
       IntParam("history_length", d.history_length,
                "consumed items remembered per user (0: as many as the observers read, e.g. rabbit_hole's window)", 0,
                1000)}};
}

PopulationParams PopulationParamsFrom(const Params& p) {
  PopulationParams s;
  s.n_users = p.Int("n_users");
  s.susceptibility_alpha = p.Double("susceptibility_alpha");
  s.susceptibility_beta = p.Double("susceptibility_beta");
  s.appetite_alpha = p.Double("appetite_alpha");
  s.appetite_beta = p.Double("appetite_beta");
  s.receptivity_alpha = p.Double("receptivity_alpha");
  s.receptivity_beta = p.Double("receptivity_beta");
  s.session_alpha = p.Double("session_alpha");
  s.session_beta = p.Double("session_beta");
  s.interest_noise = p.Double("interest_noise");
  s.estimate_noise = p.Double("estimate_noise");
  s.history_length = static_cast<int>(p.Int("history_length"));
  return s;
}

int64_t Population::memory_bytes() const {
  return static_cast<int64_t>((interest.size() + estimate.size() + susceptibility.size() + appetite.size() +
                               receptivity.size() + session_prob.size()) *
                                  sizeof(float) +
                              (sessions.size() + impressions.size() + clicks.size() + history.size() +
                               history_step.size() + history_head.size() + history_count.size()) *
                                  sizeof(int32_t));
}

UserBlock BlockOfUsers(int64_t n, int rank, int size) {
  const int64_t first = n * rank / size;
  return {first, n * (rank + 1) / size - first};
}

Population GeneratePopulation(const PopulationParams& p, const Catalog& catalog, uint64_t seed, UserBlock block) {
  Population pop;
  const int64_t d = catalog.dim();
  if (block.rows < 0) block = {0, p.n_users};
  const int64_t n = block.rows;
  // the history ring keeps item ids in 32 bits
  if (catalog.size() > std::numeric_limits<int32_t>::max())
    throw InputError("catalog", std::to_string(catalog.size()) + " items; at most " +
                                    std::to_string(std::numeric_limits<int32_t>::max()) +
                                    " are supported (item ids are 32-bit in the population's history)");
  pop.n = p.n_users;
  pop.first = block.first;
  pop.rows = n;
  pop.dim = d;
  pop.interest.resize(n * d);
  pop.estimate.resize(n * d);
  pop.susceptibility.resize(n);
  pop.appetite.resize(n);
  pop.receptivity.resize(n);
  pop.session_prob.resize(n);
  pop.AllocateHistory(n, p.history_length);
  pop.sessions.assign(n, 0);
  pop.impressions.assign(n, 0);
  pop.clicks.assign(n, 0);
  // starting anchors: mainstream items, or all items when there are none
  std::vector<int64_t> anchors;
  for (int64_t i = 0; i < catalog.size(); ++i)
    if (catalog.label(i) == Label::kMainstream && catalog.upload_step(i) <= 0) anchors.push_back(i);
  if (anchors.empty())
    for (int64_t i = 0; i < catalog.size(); ++i) anchors.push_back(i);
  const double in_scale = p.interest_noise / std::sqrt(static_cast<double>(d));
  const double est_scale = p.estimate_noise / std::sqrt(static_cast<double>(d));
#pragma omp parallel for schedule(static) if (n > 10000)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t u = block.first + r;
    CounterRng rng(seed, u, 0, Purpose::kPopulationInit);
    pop.susceptibility[r] = static_cast<float>(rng.Beta(1, p.susceptibility_alpha, p.susceptibility_beta));
    pop.appetite[r] = static_cast<float>(rng.Beta(2, p.appetite_alpha, p.appetite_beta));
    pop.receptivity[r] = static_cast<float>(rng.Beta(3, p.receptivity_alpha, p.receptivity_beta));
    pop.session_prob[r] = static_cast<float>(rng.Beta(4, p.session_alpha, p.session_beta));
    const float* anchor = catalog.Embedding(anchors[rng.Below(0, anchors.size())]);
    float* x = pop.Interest(u);
    float* e = pop.Estimate(u);
    // normals from a separate block of draw indexes (>= 4096) than the Beta draws
    for (int64_t j = 0; j < d; ++j) x[j] = anchor[j] + static_cast<float>(in_scale * rng.Normal(4096 + j));
    NormalizeRows(x, 1, d);
    for (int64_t j = 0; j < d; ++j) e[j] = x[j] + static_cast<float>(est_scale * rng.Normal(4096 + d + j));
    NormalizeRows(e, 1, d);
  }
  return pop;
}

}  // namespace counterpoint
