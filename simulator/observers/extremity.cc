// Observer extremity: mean and quantiles of users' true extremity.
// Formulas and sources: docs/metrics.md.
#include <cmath>

#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// Users' true extremity: projection of interest on the extremity direction.
class ExtremityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override {
    return {"extremity_mean", "extremity_p10", "extremity_p50", "extremity_p90"};
  }
  // every user's value, gathered in user order: the sum is one process's, bit for bit
  bool Shardable() const override { return true; }
  // reads the population only (values_ is scratch): nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void EndStep(const StepView& v, double* row) override {
    const Population& pop = v.population;
    values_.resize(pop.rows);
    for (int64_t r = 0; r < pop.rows; ++r) values_[r] = v.catalog.Project(pop.Interest(pop.first + r));
    if (v.users.size() > 1) values_ = GatherInRankOrder(v.users, values_);
    double sum = 0;
    for (double x : values_) sum += x;
    row[0] = sum / pop.n;
    row[1] = Quantile(values_, 0.1);
    row[2] = Quantile(values_, 0.5);
    row[3] = Quantile(values_, 0.9);
  }

 private:
  std::vector<double> values_;
};

const bool kExtremity = ObserverRegistry::Get().Add(
    "extremity",
    {"Mean and quantiles of users' true extremity.",
     {},
     {SignedMetric("extremity_mean", "projection on the extremity direction",
                   "mean over users of their true interest's extremity projection"),
      SignedMetric("extremity_p10", "projection on the extremity direction", "its 10th percentile over users"),
      SignedMetric("extremity_p50", "projection on the extremity direction", "its median over users"),
      SignedMetric("extremity_p90", "projection on the extremity direction", "its 90th percentile over users")}},
    [](const Params&) { return std::make_unique<ExtremityObserver>(); });

}  // namespace
}  // namespace counterpoint
