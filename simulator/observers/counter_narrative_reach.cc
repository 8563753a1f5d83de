// The counter_narrative_reach observer. Definitions: docs/metrics.md.
#include "simulator/observers/counter_narrative_reach.h"

#include <cmath>

namespace counterpoint {

std::vector<uint8_t> AtRiskUsers(const Population& pop, const Catalog& catalog, const AtRiskOptions& options,
                                 const Collective& users) {
  // projections of the true interests on the extremity direction; the quantile of every
  // rank's users as threshold
  std::vector<double> proj(pop.rows);
  for (int64_t r = 0; r < pop.rows; ++r) proj[r] = catalog.Project(pop.Interest(pop.first + r));
  std::vector<double> sorted = GatherInRankOrder(users, proj);
  const double threshold = Quantile(sorted, options.extremity_quantile);
  std::vector<uint8_t> at_risk(pop.rows, 0);
  for (int64_t r = 0; r < pop.rows; ++r)
    at_risk[r] = proj[r] >= threshold || pop.appetite[r] >= options.appetite_threshold;
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
       IntParam("iterations", c.iterations, "coverage map: k-means (Lloyd) iterations", 1, 10000)},
      {ShareMetric("cn_reach_at_risk", "share of at-risk users",
                   "at-risk users shown a counter-narrative (any slot) at some step so far"),
       ShareMetric("cn_reach_not_at_risk", "share of users not at risk", "the same among the users not at risk"),
       ShareMetric("cn_injected_reach_at_risk", "share of at-risk users",
                   "at-risk users shown an injected counter-narrative at some step so far"),
       ShareMetric("cn_injected_reach_not_at_risk", "share of users not at risk",
                   "the same among the users not at risk"),
       LevelMetric("cn_at_risk_harmful_impressions", "impressions", "harmful impressions to at-risk users this step"),
       SignedMetric("at_risk_extremity_drift", "projection on the extremity direction",
                    "mean change of at-risk users' true extremity projection since step 0")}};
}

AtRiskOptions AtRiskOptionsFrom(const Params& p) {
  AtRiskOptions o;
  o.extremity_quantile = p.Double("extremity_quantile");
  o.appetite_threshold = p.Double("appetite_threshold");
  return o;
}

CounterNarrativeReachObserver::CounterNarrativeReachObserver(const Params& p) {
  options_ = AtRiskOptionsFrom(p);
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
    const Population& pop = v.population;
    at_risk_ = AtRiskUsers(pop, v.catalog, options_, v.users);
    reached_.assign(pop.rows, 0);
    reached_injected_.assign(pop.rows, 0);
    at_risk_impressions_.assign(v.catalog.size(), 0);
    start_projection_.assign(pop.rows, 0.0);
    n_at_risk_ = 0;
    for (int64_t r = 0; r < pop.rows; ++r) {
      if (!at_risk_[r]) continue;
      ++n_at_risk_;
      start_projection_[r] = v.catalog.Project(pop.Interest(pop.first + r));
    }
    v.users.AllReduceSum(&n_at_risk_, 1);
    initialised_ = true;
  }
  harmful_at_risk_step_ = 0;
  step_counts_.fill(0);
  if (v.users.size() > 1) step_impressions_.assign(v.catalog.size(), 0);
}

void CounterNarrativeReachObserver::ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) {
  // sharded: this step's at-risk impressions apart, summed over the ranks at EndStep
  std::vector<int64_t>& impressions = v.users.size() > 1 ? step_impressions_ : at_risk_impressions_;
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t r = v.population.Row(b.users[u]);
    const int64_t* slate = b.Slate(u);
    for (int j = 0; j < b.slate_size; ++j) {
      const int64_t item = slate[j];
      if (item < 0) continue;
      if (at_risk_[r]) {
        ++impressions[item];
        harmful_at_risk_step_ += IsHarmful(v.catalog.label(item));
      }
      if (v.catalog.label(item) != Label::kCounterNarrative) continue;
      if (!reached_[r]) {
        reached_[r] = 1;
        ++step_counts_[at_risk_[r] ? kReachedAtRisk : kReachedRest];
      }
      if (b.Injected(u, j) && !reached_injected_[r]) {
        reached_injected_[r] = 1;
        ++step_counts_[at_risk_[r] ? kInjectedAtRisk : kInjectedRest];
      }
    }
  }
}

void CounterNarrativeReachObserver::EndStep(const StepView& v, double* row) {
  // every rank's counts of this step
  step_counts_[kHarmfulAtRisk] = harmful_at_risk_step_;
  v.users.AllReduceSum(step_counts_.data(), static_cast<int64_t>(step_counts_.size()));
  reached_at_risk_ += step_counts_[kReachedAtRisk], reached_rest_ += step_counts_[kReachedRest];
  injected_at_risk_ += step_counts_[kInjectedAtRisk], injected_rest_ += step_counts_[kInjectedRest];
  harmful_at_risk_step_ = step_counts_[kHarmfulAtRisk];
  if (v.users.size() > 1) {
    v.users.AllReduceSum(step_impressions_.data(), static_cast<int64_t>(step_impressions_.size()));
    for (size_t i = 0; i < step_impressions_.size(); ++i) at_risk_impressions_[i] += step_impressions_[i];
  }
  const int64_t n_rest = v.population.n - n_at_risk_;
  auto share = [](int64_t part, int64_t total) {
    return total > 0 ? static_cast<double>(part) / static_cast<double>(total) : std::nan("");
  };
  row[0] = share(reached_at_risk_, n_at_risk_);
  row[1] = share(reached_rest_, n_rest);
  row[2] = share(injected_at_risk_, n_at_risk_);
  row[3] = share(injected_rest_, n_rest);
  row[4] = static_cast<double>(harmful_at_risk_step_);
  // drift of the at-risk users' true interest along the extremity direction since the
  // start, summed in user order over every rank's
  std::vector<double> drifts;
  for (int64_t r = 0; r < v.population.rows; ++r)
    if (at_risk_[r])
      drifts.push_back(v.catalog.Project(v.population.Interest(v.population.first + r)) - start_projection_[r]);
  double drift = 0;
  for (double x : GatherInRankOrder(v.users, drifts)) drift += x;
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
