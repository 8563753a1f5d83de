// Observer homogenization: Jaccard index of paired users' consumption and the mean true
// utility of consumed items. Formula and source: docs/metrics.md, "homogenization"
// (Chaney, Stewart & Engelhardt, RecSys 2018).
#include "simulator/observers/homogenization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "simulator/observers/observer.h"

namespace counterpoint {

double Jaccard(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  size_t i = 0, j = 0, both = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j])
      ++both, ++i, ++j;
    else if (a[i] < b[j])
      ++i;
    else
      ++j;
  }
  const size_t either = a.size() + b.size() - both;
  return either == 0 ? std::nan("") : static_cast<double>(both) / static_cast<double>(either);
}

std::vector<int64_t> NearestNeighbours(const float* rows, int64_t n, int64_t dim) {
  std::vector<int64_t> out(n, -1);
#pragma omp parallel for schedule(dynamic, 64) if (n > 512)
  for (int64_t u = 0; u < n; ++u) {
    double best = -std::numeric_limits<double>::infinity();
    const float* x = rows + u * dim;
    for (int64_t v = 0; v < n; ++v) {
      if (v == u) continue;
      const float* y = rows + v * dim;
      double dot = 0;
      for (int64_t k = 0; k < dim; ++k) dot += static_cast<double>(x[k]) * y[k];
      if (dot > best) best = dot, out[u] = v;
    }
  }
  return out;
}

// the observer's own random purpose (its draws are keyed by its own pairing_seed, never by
// the run's seed, so they cannot coincide with the engine's)
constexpr Purpose kPairing = static_cast<Purpose>(0x70616972);  // "pair"

std::vector<int64_t> RandomPartners(int64_t n, uint64_t seed) {
  std::vector<int64_t> out(n);
  for (int64_t u = 0; u < n; ++u) {
    const CounterRng rng(seed, static_cast<uint64_t>(u), 0, kPairing);
    const int64_t k = std::min<int64_t>(n - 2, static_cast<int64_t>(rng.Uniform(0) * static_cast<double>(n - 1)));
    out[u] = (u + 1 + k) % n;  // one of the n - 1 others, uniformly
  }
  return out;
}

double MeanPairJaccard(const std::vector<std::vector<int64_t>>& sets, const std::vector<int64_t>& partner) {
  double sum = 0;
  int64_t pairs = 0;
  for (size_t u = 0; u < partner.size(); ++u) {
    const double j = Jaccard(sets[u], sets[partner[u]]);
    if (std::isnan(j)) continue;
    sum += j;
    ++pairs;
  }
  return pairs == 0 ? std::nan("") : sum / static_cast<double>(pairs);
}

namespace {

/// Users at most (the nearest neighbours are an exhaustive n^2 search, once per run).
constexpr int64_t kMaxUsers = 20000;

/// Per user, the sorted set of distinct items consumed since the first step (not the
/// population's history ring, which keeps only the last history_length); the pairs are
/// fixed at the first step.
class HomogenizationObserver : public Observer {
 public:
  explicit HomogenizationObserver(uint64_t pairing_seed) : pairing_seed_(pairing_seed) {}
  std::vector<std::string> Columns() const override {
    return {"jaccard_nearest", "jaccard_random", "consumed_utility"};
  }
  // the pairs join any two users: one process holds them all
  bool Shardable() const override { return false; }
  void BeginStep(const StepView& v) override {
    if (!nearest_.empty()) return;
    const Population& pop = v.population;
    if (pop.n < 2 || pop.n > kMaxUsers)
      throw InputError("observers", "homogenization pairs users by an exhaustive search: it needs 2 to " +
                                        std::to_string(kMaxUsers) + " users, not " + std::to_string(pop.n) +
                                        " (population.n_users)");
    // pairs by true interest at the start of the run (before any drift of this run's first step)
    nearest_ = NearestNeighbours(pop.interest.data(), pop.n, pop.dim);
    random_ = RandomPartners(pop.n, pairing_seed_);
    consumed_.assign(pop.n, {});
  }
  void ObserveBatch(const StepView& v, const SlateBatch& b, const ChoiceBuffer& choices) override {
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t user = b.users[u];
      std::vector<int64_t>& set = consumed_[user];
      for (int c = 0; c < choices.n_clicks[u]; ++c) {
        const int64_t item = choices.Clicks(u)[c];
        const auto at = std::lower_bound(set.begin(), set.end(), item);
        if (at == set.end() || *at != item) set.insert(at, item);
        if (v.user_model) utility_sum_ += v.user_model->Utility(v.catalog, v.population, user, item);
        ++utility_n_;
      }
    }
  }
  void EndStep(const StepView& v, double* row) override {
    row[0] = MeanPairJaccard(consumed_, nearest_);
    row[1] = MeanPairJaccard(consumed_, random_);
    row[2] = v.user_model && utility_n_ > 0 ? utility_sum_ / static_cast<double>(utility_n_) : std::nan("");
  }
  // the pairs and every user's consumed set (flattened: sizes, then the items)
  void SaveState(StateWriter& out) const override {
    out.PutVector(nearest_);
    out.PutVector(random_);
    std::vector<int64_t> sizes, items;
    for (const auto& s : consumed_)
      sizes.push_back(static_cast<int64_t>(s.size())), items.insert(items.end(), s.begin(), s.end());
    out.PutVector(sizes);
    out.PutVector(items);
    out.Put(utility_sum_);
    out.Put(utility_n_);
  }
  void LoadState(StateReader& in) override {
    in.GetVector(nearest_);
    in.GetVector(random_);
    std::vector<int64_t> sizes, items;
    in.GetVector(sizes, nearest_.size(), "homogenization consumed sets");
    in.GetVector(items);
    consumed_.assign(sizes.size(), {});
    size_t at = 0;
    for (size_t u = 0; u < sizes.size(); ++u) {
      if (sizes[u] < 0 || at + static_cast<size_t>(sizes[u]) > items.size())
        in.Fail("homogenization: corrupt consumed sets");
      consumed_[u].assign(items.begin() + at, items.begin() + at + sizes[u]);
      at += sizes[u];
    }
    utility_sum_ = in.Get<double>();
    utility_n_ = in.Get<int64_t>();
  }

 private:
  uint64_t pairing_seed_;
  std::vector<int64_t> nearest_, random_;       ///< each user's partners (empty before the first step)
  std::vector<std::vector<int64_t>> consumed_;  ///< per user: sorted distinct items consumed so far
  double utility_sum_ = 0;                      ///< sum of U(user, clicked item) over every click so far
  int64_t utility_n_ = 0;                       ///< clicks so far
};

const bool kHomogenization = ObserverRegistry::Get().Add(
    "homogenization",
    {"Homogenization (Chaney et al. 2018): Jaccard index of paired users' consumed items (nearest neighbour by "
     "true interest, random partner) and mean true utility of the items consumed so far.",
     {IntParam("pairing_seed", 1, "seed of the random partners (the same in every arm and replicate)", 0, 1e15)},
     {ShareMetric("jaccard_nearest", "Jaccard index",
                  "mean over users of |C_u ∩ C_v| / |C_u ∪ C_v|, C the items consumed so far and v the user's "
                  "nearest neighbour by true interest at the first step"),
      ShareMetric("jaccard_random", "Jaccard index",
                  "the same with v a random partner (fixed for the run; pairing_seed)"),
      SignedMetric("consumed_utility", "utility",
                   "mean over every click so far of the user model's utility of the clicked item for the user")}},
    [](const Params& p) {
      return std::make_unique<HomogenizationObserver>(static_cast<uint64_t>(p.Int("pairing_seed")));
    });

}  // namespace
}  // namespace counterpoint
