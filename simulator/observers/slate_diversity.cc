// The slate_diversity observer: diversity inside each user's slate (what a user sees),
// as opposed to the diversity observer's entropy of all impressions pooled.
#include <algorithm>
#include <cmath>
#include <vector>

#include "recommender/recommender.h"
#include "simulator/observers/observer.h"

namespace counterpoint {
namespace {

/// Mean over the step's slates of the topic entropy of the slate and of its intra-list
/// similarity (mean inner product over pairs of its items); docs/metrics.md.
class SlateDiversityObserver : public Observer {
 public:
  std::vector<std::string> Columns() const override { return {"slate_topic_entropy_bits", "slate_similarity"}; }
  // the step's per-slate values, gathered over the ranks in user order at EndStep
  bool Shardable() const override { return true; }
  void BeginStep(const StepView&) override { slate_entropy_.clear(), slate_similarity_.clear(); }
  // each slate's values in parallel, kept in user order (ascending ids across batches) and
  // summed in that order: neither the batch size, the thread count nor the ranks change the sums
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer&) override {
    entropy_.resize(b.n), similarity_.resize(b.n), items_.resize(b.n);
#pragma omp parallel for schedule(static) if (b.n > 256)
    for (int64_t u = 0; u < b.n; ++u) Measure(v.catalog, b.Slate(u), std::min(b.slate_size, kMaxSlate), u);
    for (int64_t u = 0; u < b.n; ++u) {
      if (items_[u] == 0) continue;
      slate_entropy_.push_back(entropy_[u]);
      if (items_[u] >= 2) slate_similarity_.push_back(similarity_[u]);
    }
  }
  void EndStep(const StepView& v, double* row) override {
    row[0] = Mean(GatherInRankOrder(v.users, slate_entropy_));
    row[1] = Mean(GatherInRankOrder(v.users, slate_similarity_));
  }
  // the mean in the order given; NaN without values
  static double Mean(const std::vector<double>& values) {
    double sum = 0;
    for (double x : values) sum += x;
    return values.empty() ? std::nan("") : sum / static_cast<double>(values.size());
  }
  // one slate's item count, topic entropy and mean pairwise inner product (into slot u).
  // The pairs' sum comes from the items' sum vector s: sum_{i<j} <x_i, x_j> =
  // (<s, s> - sum_j <x_j, x_j>) / 2, in double: O(n d) work instead of O(n^2 d). Both
  // sums run per dimension (independent chains the compiler vectorises), then over d.
  void Measure(const Catalog& cat, const int64_t* slate, int s, int64_t u) {
    const int64_t d = cat.dim();
    int32_t topic[kMaxSlate];
    int count[kMaxSlate];
    int n = 0, m = 0;
    std::vector<double>& scratch = SumScratch(d);
    std::fill(scratch.begin(), scratch.end(), 0.0);
    double* sum = scratch.data();
    double* squares = sum + d;
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
        squares[c] += static_cast<double>(x[c]) * x[c];
      }
      ++n;
    }
    double entropy = 0;
    for (int h = 0; h < m; ++h) {
      const double q = static_cast<double>(count[h]) / n;
      entropy -= q * std::log2(q);
    }
    double pairs = 0, self = 0;
    for (int64_t c = 0; c < d; ++c) pairs += sum[c] * sum[c], self += squares[c];
    items_[u] = n;
    entropy_[u] = entropy;
    similarity_[u] = n < 2 ? 0 : (pairs - self) / 2 / (n * (n - 1) / 2.0);
  }
  // this thread's sum and squares vectors (d doubles each)
  static std::vector<double>& SumScratch(int64_t d) {
    thread_local std::vector<double> scratch;
    scratch.resize(2 * d);
    return scratch;
  }
  // the step's values only (BeginStep clears them): nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}

 private:
  std::vector<double> slate_entropy_;         ///< this step: each non-empty slate's entropy, in user order
  std::vector<double> slate_similarity_;      ///< this step: each slate's with 2+ items, in user order
  std::vector<double> entropy_, similarity_;  ///< per slate of the batch (scratch)
  std::vector<int> items_;
};

const bool kSlateDiversity = ObserverRegistry::Get().Add(
    "slate_diversity",
    {"Mean over slates of the slate's topic entropy and intra-list similarity (docs/metrics.md).",
     {},
     {LevelMetric("slate_topic_entropy_bits", "bits", "mean over slates of the entropy of the slate's topics"),
      SignedMetric("slate_similarity", "cosine",
                   "mean over slates of the mean inner product of the slate's pairs of items (intra-list "
                   "similarity)")}},
    [](const Params&) { return std::make_unique<SlateDiversityObserver>(); });

}  // namespace
}  // namespace counterpoint
