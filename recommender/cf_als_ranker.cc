// The collaborative-filtering ranker cf_als: implicit-feedback matrix factorisation of
// the user x item click counts (recommender/implicit_als.h), retrained every K steps from
// the previous factors, scoring a candidate by <user factors, item factors>.
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "recommender/click_learner.h"
#include "recommender/implicit_als.h"
#include "recommender/plugins.h"

namespace counterpoint {
namespace {

/// score = x_u . y_i + w_rel <estimate, x>, with X, Y the ALS factors of the clicks seen
/// up to the last retraining (steps K, 2K, ...: `sweeps` sweeps warm-started from the
/// previous factors). A user or item without clicks has zero factors, so before the
/// first retraining (or for a user who never clicked) the order is the candidates'
/// similarity (the slate cut's tie-break). It sees clicks and item ids only (docs/model.md §4).
class CfAlsRanker : public Ranker, public ClickLearner {
 public:
  explicit CfAlsRanker(const Params& p)
      : options_{.factors = static_cast<int>(p.Int("factors")),
                 .alpha = p.Double("alpha"),
                 .lambda = p.Double("lambda")},
        retrain_every_(p.Int("retrain_every")),
        sweeps_(static_cast<int>(p.Int("sweeps"))),
        w_rel_(p.Double("relevance_weight")) {}

  // the factors come from every user's clicks: one process holds them all
  bool Shardable() const override { return false; }

  // at steps K, 2K, ...: the clicks since the last retraining join the counts, then warm sweeps
  void BeginStep(const RecContext& ctx) override {
    if (!als_) Start(ctx.seed);
    if (ctx.step <= 0 || ctx.step % retrain_every_ != 0) return;
    std::vector<ImplicitRating> fresh;
    fresh.reserve(pending_.size());
    for (const UserClick& c : pending_) fresh.push_back({c.user, c.item, 1.0});
    pending_.clear();
    als_->AddRatings(fresh);
    if (als_->n_users() == 0) return;  // no click yet
    for (int s = 0; s < sweeps_; ++s) als_->Sweep();
  }

  void Score(const RecContext& ctx, SlateBatch& b) override {
    if (!als_) Start(ctx.seed);
    const ImplicitAls::Matrix& x = als_->user_factors();
    const ImplicitAls::Matrix& y = als_->item_factors();
#pragma omp parallel for schedule(static) if (b.n > 512)
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t user = b.users[u];
      for (int j = 0; j < b.k; ++j) {
        const int64_t item = b.cand_ids[u * b.k + j];
        float& score = b.cand_score[u * b.k + j];
        if (item < 0) {
          score = -std::numeric_limits<float>::infinity();
          continue;
        }
        const double cf = user < x.rows() && item < y.rows() ? x.row(user).dot(y.row(item)) : 0.0;
        score = static_cast<float>(cf + w_rel_ * b.cand_sim[u * b.k + j]);
      }
    }
  }

  // the batch's teaching clicks wait for the next retraining
  void ObserveClicks(const RecContext&, std::span<const UserClick> clicks) override {
    pending_.insert(pending_.end(), clicks.begin(), clicks.end());
  }

  // the seed, the counts, both factor matrices and the clicks not yet trained on
  void SaveState(StateWriter& out) const override {
    out.Put<uint8_t>(als_ ? 1 : 0);
    if (als_) {
      out.Put<uint64_t>(seed_);
      out.PutVector(als_->Ratings());
      PutMatrix(out, als_->user_factors());
      PutMatrix(out, als_->item_factors());
    }
    out.PutVector(pending_);
  }
  void LoadState(StateReader& in) override {
    als_.reset();
    if (in.Get<uint8_t>() != 0) {
      Start(in.Get<uint64_t>());
      std::vector<ImplicitRating> ratings;
      in.GetVector(ratings);
      als_->SetRatings(ratings);
      GetMatrix(in, als_->user_factors());
      GetMatrix(in, als_->item_factors());
    }
    in.GetVector(pending_);
  }

 private:
  void Start(uint64_t seed) {
    seed_ = seed;
    als_ = std::make_unique<ImplicitAls>(options_, seed);
  }
  static void PutMatrix(StateWriter& out, const ImplicitAls::Matrix& m) {
    out.Put<int64_t>(m.rows());
    out.PutVector(std::vector<double>(m.data(), m.data() + m.size()));
  }
  void GetMatrix(StateReader& in, ImplicitAls::Matrix& m) const {
    const int64_t rows = in.Get<int64_t>();
    std::vector<double> values;
    in.GetVector(values);
    if (rows < 0 || values.size() != static_cast<size_t>(rows) * options_.factors)
      in.Fail("cf_als factors do not match the scenario's `factors` (a checkpoint of another scenario?)");
    m = Eigen::Map<const ImplicitAls::Matrix>(values.data(), rows, options_.factors);
  }

  ImplicitAlsOptions options_;
  int64_t retrain_every_;
  int sweeps_;
  double w_rel_;
  uint64_t seed_ = 0;
  std::unique_ptr<ImplicitAls> als_;  ///< built at the first step (it needs the run's seed)
  std::vector<UserClick> pending_;    ///< teaching clicks since the last retraining
};

const bool kCfAls = RankerRegistry::Get().Add(
    "cf_als",
    {"Collaborative filtering: implicit-feedback ALS on the click counts (Hu, Koren & Volinsky 2008), retrained "
     "every retrain_every steps (docs/model.md).",
     {IntParam("factors", 16, "k: latent factors per user and item", 1, 512),
      DoubleParam("alpha", 10.0, "confidence slope: c = 1 + alpha * clicks", 0, 1e9),
      DoubleParam("lambda", 1.0, "ridge penalty on every factor row (> 0)", 1e-12, 1e12),
      IntParam("retrain_every", 5, "K: retrain at steps K, 2K, ... (beyond the horizon: never learns)", 1, 1e12),
      IntParam("sweeps", 3, "ALS sweeps per retraining, from the previous factors", 1, 1000),
      DoubleParam("relevance_weight", 0.0, "weight of <estimate, item> added to the factor score", 0, 1e6)}},
    [](const Params& p) { return std::make_unique<CfAlsRanker>(p); });

}  // namespace
}  // namespace counterpoint
