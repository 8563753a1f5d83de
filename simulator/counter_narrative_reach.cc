// The counter_narrative_reach observer. Definitions: docs/metrics.md.
#include "simulator/counter_narrative_reach.h"

#include <cmath>

namespace counterpoint {

std::vector<uint8_t> AtRiskUsers(const Population& pop, const Catalog& catalog, const AtRiskOptions& options) {
  // projections of the true interests on the extremity direction; the quantile as threshold
  std::vector<double> proj(pop.n), sorted;
  for (int64_t u = 0; u < pop.n; ++u) proj[u] = catalog.Project(pop.Interest(u));
  sorted = proj;
  const double threshold = Quantile(sorted, options.extremity_quantile);
  std::vector<uint8_t> at_risk(pop.n, 0);
  for (int64_t u = 0; u < pop.n; ++u)
    at_risk[u] = proj[u] >= threshold || pop.appetite[u] >= options.appetite_threshold;
  return at_risk;
}

ComponentSpec CounterNarrativeReachSpec() {
  const AtRiskOptions a;
  const CoverageOptions c;
  return {
      "Counter-narrative reach among at-risk users vs the rest (ground truth), and the NGO coverage map "
      "(coverage_gaps.csv: harmful regions without a counter-narrative within `radius`).",
      {DoubleParam("extremity_quantile", a.extremity_quantile,
                   "at risk: true extremity projection at step 0 at or above this quantile of all users'", 0, 1),
       DoubleParam("appetite_threshold", a.appetite_threshold, "... or appetite for extremity at or above this", 0, 1),
       IntParam("regions", c.regions, "coverage map: k-means regions over the harmful items", 1, 100000),
       DoubleParam("radius", c.radius,
                   "coverage map: a region is covered when a counter-narrative lies within this cosine distance "
                   "of its centroid",
                   0, 2),
       IntParam("iterations", c.iterations, "coverage map: k-means (Lloyd) iterations", 1, 10000)}};
}

CounterNarrativeReachObserver::CounterNarrativeReachObserver(const Params& p) {
  options_.extremity_quantile = p.Double("extremity_quantile");
  options_.appetite_threshold = p.Double("appetite_threshold");
  coverage_.regions = static_cast<int>(p.Int("regions"));
  coverage_.radius = p.Double("radius");
  coverage_.iterations = static_cast<int>(p.Int("iterations"));
}

std::vector<std::string> CounterNarrativeReachObserver::Columns() const {
  return {"cn_reach_at_risk",
          "cn_reach_not_at_risk",
          "cn_injected_reach_at_risk",
          "cn_injected_reach_not_at_risk",
          "cn_at_risk_harmful_impressions",
          "at_risk_extremity_drift"};
}

void CounterNarrativeReachObserver::BeginStep(const StepView& v) {
  // the at-risk group is fixed from the population as the run starts
  if (!initialised_) {
    at_risk_ = AtRiskUsers(v.population, v.catalog, options_);
    reached_.assign(v.population.n, 0);
    reached_injected_.assign(v.population.n, 0);
    at_risk_impressions_.assign(v.catalog.size(), 0);
    start_projection_.assign(v.population.n, 0.0);
    n_at_risk_ = 0;
    for (int64_t u = 0; u < v.population.n; ++u) {
      if (!at_risk_[u]) continue;
      ++n_at_risk_;
      start_projection_[u] = v.catalog.Project(v.population.Interest(u));
    }
    initialised_ = true;
  }
  harmful_at_risk_step_ = 0;
}

void CounterNarrativeReachObserver::ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) {
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u];
    const int64_t* slate = b.Slate(u);
    for (int j = 0; j < b.slate_size; ++j) {
      const int64_t item = slate[j];
      if (item < 0) continue;
      if (at_risk_[user]) {
        ++at_risk_impressions_[item];
        harmful_at_risk_step_ += IsHarmful(v.catalog.label(item));
      }
      if (v.catalog.label(item) != Label::kCounterNarrative) continue;
      if (!reached_[user]) {
        reached_[user] = 1;
        ++(at_risk_[user] ? reached_at_risk_ : reached_rest_);
      }
      if (b.Injected(u, j) && !reached_injected_[user]) {
        reached_injected_[user] = 1;
        ++(at_risk_[user] ? injected_at_risk_ : injected_rest_);
      }
    }
  }
}

void CounterNarrativeReachObserver::EndStep(const StepView& v, double* row) {
  const int64_t n_rest = v.population.n - n_at_risk_;
  auto share = [](int64_t part, int64_t total) {
    return total > 0 ? static_cast<double>(part) / static_cast<double>(total) : std::nan("");
  };
  row[0] = share(reached_at_risk_, n_at_risk_);
  row[1] = share(reached_rest_, n_rest);
  row[2] = share(injected_at_risk_, n_at_risk_);
  row[3] = share(injected_rest_, n_rest);
  row[4] = static_cast<double>(harmful_at_risk_step_);
  // drift of the at-risk users' true interest along the extremity direction since the start
  double drift = 0;
  for (int64_t u = 0; u < v.population.n; ++u)
    if (at_risk_[u]) drift += v.catalog.Project(v.population.Interest(u)) - start_projection_[u];
  row[5] = n_at_risk_ > 0 ? drift / static_cast<double>(n_at_risk_) : std::nan("");
}

void CounterNarrativeReachObserver::SaveState(StateWriter& out) const {
  out.Put(initialised_);
  out.PutVector(at_risk_), out.PutVector(reached_), out.PutVector(reached_injected_);
  out.PutVector(at_risk_impressions_), out.PutVector(start_projection_);
  for (int64_t x :
       {n_at_risk_, reached_at_risk_, reached_rest_, injected_at_risk_, injected_rest_, harmful_at_risk_step_})
    out.Put(x);
}

void CounterNarrativeReachObserver::LoadState(StateReader& in) {
  initialised_ = in.Get<bool>();
  in.GetVector(at_risk_), in.GetVector(reached_), in.GetVector(reached_injected_);
  in.GetVector(at_risk_impressions_), in.GetVector(start_projection_);
  for (int64_t* x :
       {&n_at_risk_, &reached_at_risk_, &reached_rest_, &injected_at_risk_, &injected_rest_, &harmful_at_risk_step_})
    *x = in.Get<int64_t>();
}

namespace {
const bool kRegistered = ObserverRegistry::Get().Add(
    "counter_narrative_reach", CounterNarrativeReachSpec(),
    [](const Params& p) -> std::unique_ptr<Observer> { return std::make_unique<CounterNarrativeReachObserver>(p); });
}  // namespace

}  // namespace counterpoint
