// Observer diversity: topic entropy of impressions, Gini of item impressions.
// Formulas and sources: docs/metrics.md.
#include <cmath>

#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// Topic entropy of this step's impressions and Gini of cumulative item impressions.
class DiversityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return {"topic_entropy_bits", "impression_gini"}; }
  bool Shardable() const override { return true; }
  // per-step histogram and scratch only (BeginStep resets topics_): nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void BeginStep(const StepView& v) override { topics_.assign(v.catalog.n_topics(), 0); }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
    // a histogram per thread, added up after: the same counts in any order
#pragma omp parallel if (b.n > 1024)
    {
      std::vector<int64_t> topics(topics_.size(), 0);
#pragma omp for schedule(static) nowait
      for (int64_t u = 0; u < b.n; ++u)
        for (int j = 0; j < b.slate_size; ++j)
          if (b.Slate(u)[j] >= 0) ++topics[v.catalog.topic(b.Slate(u)[j])];
#pragma omp critical(diversity_observer)
      for (size_t t = 0; t < topics.size(); ++t) topics_[t] += topics[t];
    }
  }
  void EndStep(const StepView& v, double* row) override {
    v.users.AllReduceSum(topics_.data(), static_cast<int64_t>(topics_.size()));
    row[0] = EntropyBits(topics_);
    // over the items released so far (uploaded at or before this step)
    released_.clear();
    for (int64_t i = 0; i < v.catalog.size(); ++i)
      if (v.catalog.upload_step(i) <= v.step) released_.push_back(v.items.impressions[i]);
    row[1] = Gini(released_, scratch_);
  }

 private:
  std::vector<int64_t> topics_, released_, scratch_;
};

const bool kDiversity = ObserverRegistry::Get().Add(
    "diversity",
    {"Topic entropy of impressions and Gini of item impressions.",
     {},
     {LevelMetric("topic_entropy_bits", "bits", "Shannon entropy of the topics of the step's impressions"),
      LevelMetric("impression_gini", "Gini index in [0, 1)",
                  "Gini coefficient of cumulative impressions per released item")}},
    [](const Params&) { return std::make_unique<DiversityObserver>(); });

}  // namespace
}  // namespace counterpoint
