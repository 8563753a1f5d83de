// Rankers: engagement (predicted click utility with popularity), relevance,
// popularity, random and reverse-chronological. Relevance, random and
// reverse-chronological order of the same candidates are the controls.
#include <cmath>
#include <limits>
#include <vector>

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

/// score = w_rel <estimate, x> + w_ctr CTR_i + w_pop log(1 + c_i) / log(1 + max_j c_j), with the smoothed
/// click-through rate CTR_i = (c_i + a) / (n_i + m): c_i clicks, a, m = ctr_prior_impressions
/// and n_i the item's impressions (ctr_debias: none) or its expected examinations, the sum of (p + 1)^-eta over
/// the positions p it was shown at (ctr_debias: examination; inverse-propensity weighting). The platform's
/// prediction of a click: it sees only impressions and clicks, never extremity (docs/model.md §4).
class EngagementRanker : public Ranker {
 public:
  explicit EngagementRanker(const Params& p)
      : w_rel_(p.Double("relevance_weight")),
        w_ctr_(p.Double("ctr_weight")),
        w_pop_(p.Double("popularity_weight")),
        prior_clicks_(p.Double("ctr_prior_clicks")),
        prior_impr_(p.Double("ctr_prior_impressions")),
        debias_(p.String("ctr_debias") == "examination"),
        eta_(p.Double("examination_decay")) {}
  // sharded, the examinations of every rank's slates are added in user order at the next
  // BeginStep (FlushExaminations)
  bool Shardable() const override { return true; }
  // the item terms change only between steps: computed once per step, not per candidate
  void BeginStep(const RecContext& ctx) override {
    const auto& clicks = ctx.items.clicks;
    const auto& impr = ctx.items.impressions;
    const double pop_norm =
        ctx.items.max_clicks > 0 ? 1.0 / std::log1p(static_cast<double>(ctx.items.max_clicks)) : 0.0;
    if (debias_ && examined_.size() != clicks.size()) examined_.assign(clicks.size(), 0.0);
    if (debias_ && ctx.users.size() > 1) FlushExaminations(ctx.users);
    item_term_.resize(clicks.size());
    for (size_t i = 0; i < clicks.size(); ++i) {
      const double shown = debias_ ? examined_[i] : static_cast<double>(impr[i]);
      const double ctr = (clicks[i] + prior_clicks_) / (shown + prior_impr_);
      const double pop = std::log1p(static_cast<double>(clicks[i])) * pop_norm;
      item_term_[i] = static_cast<float>(w_ctr_ * ctr + w_pop_ * pop);
    }
  }
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t item) {
      return static_cast<float>(w_rel_ * b.cand_sim[u * b.k + j]) + item_term_[item];
    });
  }
  // expected examinations of organic slots, summed in user order (so batch size, threads
  // and ranks cannot matter); read from the next step's BeginStep on, like the impression
  // counts. Sharded, this rank's (item, position) pairs wait for FlushExaminations.
  void ObserveSlates(const RecContext& ctx, const SlateBatch& b) override {
    if (!debias_) return;
    CoverPositions(b.slate_size);
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t* slate = b.Slate(u);
      for (int p = 0; p < b.slate_size; ++p) {
        if (slate[p] < 0 || b.Injected(u, p)) continue;
        if (ctx.users.size() > 1)
          shown_.push_back(slate[p] * kMaxSlots + p);
        else
          examined_[slate[p]] += propensity_[p];
      }
    }
  }
  // every rank's pairs of the last step, in rank order (user order), added as one process would
  void FlushExaminations(const Collective& users) {
    for (int64_t code : GatherInRankOrder(users, shown_)) {
      const int p = static_cast<int>(code % kMaxSlots);
      CoverPositions(p + 1);  // another rank's slates may be longer than any seen here
      examined_[code / kMaxSlots] += propensity_[p];
    }
    shown_.clear();
  }
  // propensity_ holds (p + 1)^-eta for every position p < n
  void CoverPositions(int n) {
    for (int p = static_cast<int>(propensity_.size()); p < n; ++p) propensity_.push_back(std::pow(1.0 + p, -eta_));
  }
  // the expected examinations so far, and (sharded) this rank's pairs of the last step not
  // yet added (item_term_ is recomputed by BeginStep)
  void SaveState(StateWriter& out) const override {
    out.PutVector(examined_);
    out.PutVector(propensity_);
    out.PutVector(shown_);
  }
  void LoadState(StateReader& in) override {
    in.GetVector(examined_);
    in.GetVector(propensity_);
    in.GetVector(shown_);
  }

 private:
  double w_rel_, w_ctr_, w_pop_, prior_clicks_, prior_impr_;
  bool debias_;
  double eta_;
  std::vector<float> item_term_;    ///< w_ctr * CTR + w_pop * popularity per item, this step
  std::vector<double> examined_;    ///< ctr_debias examination: expected examinations per item
  std::vector<double> propensity_;  ///< (p + 1)^-eta by slate position p
  /// sharded: this step's organic (item, position) pairs, as item * kMaxSlots + position
  std::vector<int64_t> shown_;
  static constexpr int64_t kMaxSlots = 1 << 16;
};

/// score = <estimate, x>: relevance to the system's estimate alone (no CTR, no popularity).
/// The fair control for the engagement ranker: same candidates, same estimate, no engagement terms.
class RelevanceRanker : public Ranker {
 public:
  bool Shardable() const override { return true; }  // per user, from replicated item state
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Score(const RecContext&, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int j, int64_t) { return b.cand_sim[u * b.k + j]; });
  }
};

/// score = log(1 + clicks) with a random tie-break.
class PopularityRanker : public Ranker {
 public:
  bool Shardable() const override { return true; }  // per user, from replicated item state
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int, int64_t item) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(std::log1p(static_cast<double>(ctx.items.clicks[item])) + 1e-3 * rng.Uniform(item));
    });
  }
};

/// Uniformly random order of the candidates.
class RandomRanker : public Ranker {
 public:
  bool Shardable() const override { return true; }  // per user, from replicated item state
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int, int64_t item) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(rng.Uniform(item));
    });
  }
};

/// Newest upload first, random tie-break.
class ChronologicalRanker : public Ranker {
 public:
  bool Shardable() const override { return true; }  // per user, from replicated item state
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Score(const RecContext& ctx, SlateBatch& b) override {
    ScoreAll(b, [&](int64_t u, int, int64_t item) {
      const CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRankerNoise);
      return static_cast<float>(ctx.catalog.upload_step(item) + 0.5 * rng.Uniform(item));
    });
  }
};

const bool kEngagement = RankerRegistry::Get().Add(
    "engagement",
    {"Predicted click utility: relevance to the estimate, smoothed CTR and popularity (docs/model.md).",
     {DoubleParam("relevance_weight", 1.0, "weight of <estimate, item>", 0, 1e6),
      DoubleParam("ctr_weight", 8.0, "weight of the smoothed click-through rate", 0, 1e6),
      DoubleParam("popularity_weight", 0.2, "weight of log(1+clicks)/log(1+max clicks)", 0, 1e6),
      DoubleParam("ctr_prior_clicks", 1.0, "a: pseudo-clicks of the CTR estimate (c + a) / (n + m)", 0, 1e9),
      DoubleParam("ctr_prior_impressions", 20.0, "m: pseudo-impressions of the CTR estimate (c + a) / (n + m)", 1e-9,
                  1e9),
      StringParam("ctr_debias", "none",
                  "impressions in the CTR: every slot shown (none) or expected examinations (examination)",
                  {"none", "examination"}),
      DoubleParam("examination_decay", 1.0,
                  "ctr_debias examination: the platform's eta in P(examine position p) = (p+1)^-eta", 0, 10)}},
    [](const Params& p) { return std::make_unique<EngagementRanker>(p); });

const bool kRelevance = RankerRegistry::Get().Add(
    "relevance",
    {"Relevance only: <estimate, item>, no CTR or popularity (the fair control for engagement ranking).", {}},
    [](const Params&) { return std::make_unique<RelevanceRanker>(); });

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
