// The slate_diversity observer: diversity inside each user's slate (what a user sees),
// as opposed to the diversity observer's entropy of all impressions pooled.
#include <algorithm>
#include <cmath>
#include <vector>

#include "recommender/recommender.h"
#include "simulator/observer.h"

namespace counterpoint {
namespace {

/// Mean over the step's slates of the topic entropy of the slate and of its intra-list
/// similarity (mean inner product over pairs of its items); docs/metrics.md.
class SlateDiversityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return {"slate_topic_entropy_bits", "slate_similarity"}; }
  void BeginStep(const StepView&) override {
    entropy_sum_ = similarity_sum_ = 0;
    slates_ = pair_slates_ = 0;
  }
  // each slate's values in parallel, then sums in user order (ascending ids across
  // batches): neither the batch size nor the thread count can change them
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
    entropy_.resize(b.n), similarity_.resize(b.n), items_.resize(b.n);
#pragma omp parallel for schedule(static) if (b.n > 256)
    for (int64_t u = 0; u < b.n; ++u) Measure(v.catalog, b.Slate(u), std::min(b.slate_size, kMaxSlate), u);
    for (int64_t u = 0; u < b.n; ++u) {
      if (items_[u] == 0) continue;
      entropy_sum_ += entropy_[u];
      ++slates_;
      if (items_[u] < 2) continue;
      similarity_sum_ += similarity_[u];
      ++pair_slates_;
    }
  }
  void EndStep(const StepView&, double* row) override {
    row[0] = slates_ > 0 ? entropy_sum_ / static_cast<double>(slates_) : std::nan("");
    row[1] = pair_slates_ > 0 ? similarity_sum_ / static_cast<double>(pair_slates_) : std::nan("");
  }
  // one slate's item count, topic entropy and mean pairwise inner product (into slot u).
  // The pairs' sum comes from the items' sum vector s: sum_{i<j} <x_i, x_j> =
  // (<s, s> - sum_j <x_j, x_j>) / 2, in double: O(n d) work instead of O(n^2 d).
  void Measure(const Catalog& cat, const int64_t* slate, int s, int64_t u) {
    const int64_t d = cat.dim();
    int32_t topic[kMaxSlate];
    int count[kMaxSlate];
    int n = 0, m = 0;
    double self = 0;
    std::vector<double>& sum = SumScratch(d);
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int j = 0; j < s; ++j) {
      if (slate[j] < 0) continue;
      // the slate's topic histogram over its distinct topics
      const int32_t t = cat.topic(slate[j]);
      int h = 0;
      while (h < m && topic[h] != t) ++h;
      if (h == m) topic[m] = t, count[m++] = 0;
      ++count[h];
      const float* x = cat.Embedding(slate[j]);
      for (int64_t c = 0; c < d; ++c) {
        sum[c] += x[c];
        self += static_cast<double>(x[c]) * x[c];
      }
      ++n;
    }
    double entropy = 0;
    for (int h = 0; h < m; ++h) {
      const double q = static_cast<double>(count[h]) / n;
      entropy -= q * std::log2(q);
    }
    double pairs = 0;
    for (int64_t c = 0; c < d; ++c) pairs += sum[c] * sum[c];
    items_[u] = n;
    entropy_[u] = entropy;
    similarity_[u] = n < 2 ? 0 : (pairs - self) / 2 / (n * (n - 1) / 2.0);
  }
  // this thread's sum vector (d doubles)
  static std::vector<double>& SumScratch(int64_t d) {
    thread_local std::vector<double> sum;
    sum.resize(d);
    return sum;
  }
  void SaveState(StateWriter& out) const override {
    out.Put(entropy_sum_), out.Put(similarity_sum_), out.Put(slates_), out.Put(pair_slates_);
  }
  void LoadState(StateReader& in) override {
    entropy_sum_ = in.Get<double>(), similarity_sum_ = in.Get<double>();
    slates_ = in.Get<int64_t>(), pair_slates_ = in.Get<int64_t>();
  }

 private:
  double entropy_sum_ = 0, similarity_sum_ = 0;
  int64_t slates_ = 0, pair_slates_ = 0;
  std::vector<double> entropy_, similarity_;  ///< per slate of the batch (scratch)
  std::vector<int> items_;
};

const bool kSlateDiversity = ObserverRegistry::Get().Add(
    "slate_diversity",
    {"Mean over slates of the slate's topic entropy and intra-list similarity (docs/metrics.md).", {}},
    [](const Params&) { return std::make_unique<SlateDiversityObserver>(); });

}  // namespace
}  // namespace counterpoint
