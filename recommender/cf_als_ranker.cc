// The collaborative-filtering ranker cf_als: implicit-feedback matrix factorisation of
// the user x item click counts (recommender/implicit_als.h), retrained every K steps from
// the previous factors, scoring a candidate by <user factors, item factors>; optionally
// retrieving candidates of its own from a FAISS index of the item factors.
#include <algorithm>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "embeddings/simd_kernels.h"
#include "embeddings/vector_index.h"
#include "recommender/implicit_als.h"
#include "recommender/plugins.h"

namespace counterpoint {
namespace {

/// score = x_u . y_i + w_rel <estimate, x>, with X, Y the ALS factors of the clicks seen
/// up to the last retraining (steps K, 2K, ...: `sweeps` sweeps warm-started from the
/// previous factors). A user or item without clicks has zero factors, so before the
/// first retraining (or for a user who never clicked) the order is the candidates'
/// similarity (the slate cut's tie-break). With `retrieve` m > 0, each user with factors
/// also gets the m live items of largest <x_u, y_i> (a FAISS search of Y, rebuilt at each
/// retraining) in place of the retriever's last m candidates (AddCandidates). It sees
/// clicks and item ids only (docs/model.md §4).
class CfAlsRanker : public Ranker {
 public:
  explicit CfAlsRanker(const Params& p)
      : options_{.factors = static_cast<int>(p.Int("factors")),
                 .alpha = p.Double("alpha"),
                 .lambda = p.Double("lambda")},
        retrain_every_(p.Int("retrain_every")),
        sweeps_(static_cast<int>(p.Int("sweeps"))),
        w_rel_(p.Double("relevance_weight")),
        retrieve_(p.Int("retrieve")),
        retrieval_index_(p.String("retrieval_index")) {}

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
    factor_index_.reset();  // the item factors moved
  }

  // the m live items of largest <x_u, y_i> replace the retriever's last m candidates of
  // each user with factors; items the retriever kept are not repeated, and slots the
  // factors leave free go back to the retriever's candidates in their order
  bool AddCandidates(const RecContext& ctx, SlateBatch& b) override {
    if (retrieve_ == 0 || !als_ || als_->n_items() == 0) return false;
    if (!factor_index_) BuildFactorIndex(ctx.catalog.size());
    const ImplicitAls::Matrix& x = als_->user_factors();
    const int k = b.k, m = static_cast<int>(std::min<int64_t>(retrieve_, k)), f = options_.factors;
    // the batch's users with factors (one who never clicked has none: its candidates stand)
    with_factors_.clear();
    queries_.clear();
    for (int64_t u = 0; u < b.n; ++u) {
      const int64_t user = b.users[u];
      if (user >= x.rows() || x.row(user).squaredNorm() == 0) continue;
      with_factors_.push_back(u);
      for (int t = 0; t < f; ++t) queries_.push_back(static_cast<float>(x(user, t)));
    }
    if (with_factors_.empty() || m == 0) return false;
    const int64_t nq = static_cast<int64_t>(with_factors_.size());
    found_ids_.resize(nq * m);
    found_scores_.resize(nq * m);
    factor_index_->Search(queries_.data(), nq, m, found_scores_.data(), found_ids_.data(), &ctx.items.available);
    const auto dot = ActiveKernels().dot;
    const int64_t d = ctx.catalog.dim();
#pragma omp parallel for schedule(static) if (nq > 256)
    for (int64_t r = 0; r < nq; ++r) {
      const int64_t u = with_factors_[r];
      Merge(b.Candidates(u), b.cand_sim.data() + u * k, k, m, found_ids_.data() + r * m,
            [&](int64_t item) { return dot(b.queries.data() + u * d, ctx.catalog.Embedding(item), d); });
    }
    return true;
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
  bool LearnsFromClicks() const override { return true; }
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
    factor_index_.reset();  // rebuilt from the loaded factors when next needed
  }

 private:
  // candidates ids/sims (k of them, the retriever's order): keeps the first k - m, then
  // the factor search's `found` (m, -1 for none) not kept already, then the retriever's
  // remaining candidates not taken yet, then empty slots
  template <class Similarity>
  static void Merge(int64_t* ids, float* sims, int k, int m, const int64_t* found, const Similarity& similarity) {
    thread_local std::vector<int64_t> taken;
    thread_local std::vector<std::pair<int64_t, float>> rest;
    const int keep = k - m;
    taken.assign(ids, ids + keep);
    std::sort(taken.begin(), taken.end());
    rest.clear();
    for (int j = keep; j < k; ++j) rest.emplace_back(ids[j], sims[j]);
    const auto is_taken = [&](int64_t id) { return std::binary_search(taken.begin(), taken.end(), id); };
    int at = keep;
    const size_t kept = taken.size();
    for (int j = 0; j < m; ++j) {
      const int64_t id = found[j];
      if (id < 0 || is_taken(id)) continue;
      ids[at] = id;
      sims[at++] = similarity(id);
    }
    // the factor search's ids are distinct: add them for the retriever's remaining ones
    taken.insert(taken.end(), ids + keep, ids + at);
    std::sort(taken.begin() + static_cast<std::ptrdiff_t>(kept), taken.end());
    std::inplace_merge(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(kept), taken.end());
    for (const auto& [id, sim] : rest) {
      if (at == k) break;
      if (id < 0 || is_taken(id)) continue;
      ids[at] = id;
      sims[at++] = sim;
    }
    for (; at < k; ++at) {
      ids[at] = -1;
      sims[at] = -std::numeric_limits<float>::infinity();
    }
  }

  // a FAISS index of the item factors (float), one row per catalog item: an item without
  // clicks has zero factors
  void BuildFactorIndex(int64_t n_items) {
    const ImplicitAls::Matrix& y = als_->item_factors();
    const int f = options_.factors;
    std::vector<float> rows(static_cast<size_t>(n_items) * f, 0.f);
    for (int64_t i = 0; i < std::min<int64_t>(y.rows(), n_items); ++i)
      for (int t = 0; t < f; ++t) rows[i * f + t] = static_cast<float>(y(i, t));
    factor_index_ = std::make_unique<VectorIndex>(rows.data(), n_items, f, IndexOptions{.factory = retrieval_index_});
  }

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
  int64_t retrieve_;             ///< m: candidates from the factor index (0: none)
  std::string retrieval_index_;  ///< its FAISS factory string
  uint64_t seed_ = 0;
  std::unique_ptr<ImplicitAls> als_;           ///< built at the first step (it needs the run's seed)
  std::vector<UserClick> pending_;             ///< teaching clicks since the last retraining
  std::unique_ptr<VectorIndex> factor_index_;  ///< of the item factors; null when stale
  std::vector<int64_t> with_factors_;          ///< AddCandidates: the batch's users with factors
  std::vector<float> queries_;                 ///< their factors, as floats
  std::vector<int64_t> found_ids_;
  std::vector<float> found_scores_;
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
      DoubleParam("relevance_weight", 0.0, "weight of <estimate, item> added to the factor score", 0, 1e6),
      IntParam("retrieve", 0,
               "m: each user with factors gets the m live items of largest <user factors, item factors> in place of "
               "the retriever's last m candidates (at most `candidates`; 0: ranks the retriever's candidates only)",
               0, 4096),
      StringParam("retrieval_index", "Flat",
                  "FAISS index of the item factors for `retrieve`: Flat (exact) or HNSW32 (approximate)",
                  {"Flat", "HNSW32"})}},
    [](const Params& p) { return std::make_unique<CfAlsRanker>(p); });

}  // namespace
}  // namespace counterpoint
