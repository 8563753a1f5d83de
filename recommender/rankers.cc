// Rankers: engagement (predicted click utility with popularity), popularity,
// random and reverse-chronological. The last two are amplification baselines.
#include <cmath>
#include <limits>

#include "core/rng.h"
#include "recommender/plugins.h"

namespace counterpoint {
namespace {

constexpr float kEmpty = -std::numeric_limits<float>::infinity();

// applies score(u, j, item) to every filled candidate slot, in parallel over users
template <class ScoreFn>
void ScoreAll(SlateBatch& b, ScoreFn&& fn) {
#pragma omp parallel for schedule(static) if (b.n > 512)
  for (int64_t u = 0; u < b.n; ++u) {
    for (int j = 0; j < b.k; ++j) {
      const int64_t item = b.cand_ids[u * b.k + j];
      b.cand_score[u * b.k + j] = item < 0 ? kEmpty : fn(u, j, item);
    }
  }
}

/// score = w_rel * <estimate, x> + w_ctr * smoothed CTR + w_pop * log(1+clicks)/log(1+max clicks).
/// The platform's prediction of a click: it sees only clicks, never extremity.
class EngagementRanker : public Ranker {
 public:
  explicit EngagementRanker(const Params& p)
      : w_rel_(p.Double("relevance_weight")),
        w_ctr_(p.Double("ctr_weight")),
        w_pop_(p.Double("popularity_weight")),
        prior_clicks_(p.Double("ctr_prior_clicks")),
        prior_impr_(p.Double("ctr_prior_impressions")) {}
  // the item terms change only between steps: computed once per step, not per candidate
  void BeginStep(const RecContext& ctx) override {
    const auto& clicks = ctx.items.clicks;
    const auto& impr = ctx.items.impressions;
    const double pop_norm =
        ctx.items.max_clicks > 0 ? 1.0 / std::log1p(static_cast<double>(ctx.items.max_clicks)) : 0.0;
    item_term_.resize(clicks.size());
    for (size_t i = 0; i < clicks.size(); ++i) {
      const double ctr = (clicks[i] + prior_clicks_) / (impr[i] + prior_impr_);
      const double pop = std::log1p(static_cast<double>(clicks[i])) * pop_norm;
      item_term_[i] = static_cast<float>(w_ctr_ * ctr + w_pop_ * pop);
    }
  }
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t item) {
      return static_cast<float>(w_rel_ * b.cand_sim[u * b.k + j]) + item_term_[item];
    });
  }

 private:
  double w_rel_, w_ctr_, w_pop_, prior_clicks_, prior_impr_;
  std::vector<float> item_term_;  ///< w_ctr * CTR + w_pop * popularity per item, this step
};

/// score = log(1 + clicks) with a random tie-break.
class PopularityRanker : public Ranker {
 public:
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t item) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(std::log1p(static_cast<double>(ctx.items.clicks[item])) + 1e-3 * rng.Uniform(j));
    });
  }
};

/// Uniformly random order of the candidates.
class RandomRanker : public Ranker {
 public:
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(rng.Uniform(j));
    });
  }
};

/// Newest upload first, random tie-break.
class ChronologicalRanker : public Ranker {
 public:
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t item) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(ctx.catalog.upload_step(item) + 0.5 * rng.Uniform(j));
    });
  }
};

const bool kEngagement = RankerRegistry::Get().Add(
    "engagement",
    {"Predicted click utility: relevance to the estimate, smoothed CTR and popularity (docs/model.md).",
     {DoubleParam("relevance_weight", 1.0, "weight of <estimate, item>", 0, 1e6),
      DoubleParam("ctr_weight", 8.0, "weight of the smoothed click-through rate", 0, 1e6),
      DoubleParam("popularity_weight", 0.2, "weight of log(1+clicks)/log(1+max clicks)", 0, 1e6),
      DoubleParam("ctr_prior_clicks", 1.0, "Beta prior pseudo-clicks of the CTR estimate", 0, 1e9),
      DoubleParam("ctr_prior_impressions", 20.0, "Beta prior pseudo-impressions of the CTR estimate", 1e-9, 1e9)}},
    [](const Params& p) { return std::make_unique<EngagementRanker>(p); });

const bool kPopularity =
    RankerRegistry::Get().Add("popularity", {"Most-clicked candidates first (global click counts).", {}},
                              [](const Params&) { return std::make_unique<PopularityRanker>(); });

const bool kRandomRanker =
    RankerRegistry::Get().Add("random", {"Candidates in uniformly random order (amplification baseline).", {}},
                              [](const Params&) { return std::make_unique<RandomRanker>(); });

const bool kChronological =
    RankerRegistry::Get().Add("chronological", {"Newest uploads first (reverse-chronological baseline).", {}},
                              [](const Params&) { return std::make_unique<ChronologicalRanker>(); });

}  // namespace
}  // namespace counterpoint
