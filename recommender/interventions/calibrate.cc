#include "recommender/interventions/calibrate.h"

#include <algorithm>
#include <cmath>

#include "recommender/interventions/rerank_util.h"
#include "recommender/recommender.h"

namespace counterpoint {

void Calibrate::Init(const InterventionContext& ctx) {
  // per user held (all of them, or this rank's block when sharded)
  first_ = ctx.first_user;
  ring_.assign(static_cast<size_t>(ctx.local_users) * history_, -1);
  pushed_.assign(ctx.local_users, 0);
  kl_.assign(ctx.local_users, std::nan(""));
}

void Calibrate::BeginStep(const RecContext&) { step_kl_.clear(); }

void Calibrate::OnScores(const RecContext& ctx, SlateBatch& b) {
  const Catalog& cat = ctx.catalog;
  const int k = std::min(b.k, kMaxCandidates);
  const double lambda = lambda_, alpha = alpha_;
#pragma omp parallel for schedule(static) if (b.n > 256)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u] - first_;  // the user's row
    kl_[user] = std::nan("");
    const int64_t n_hist = std::min<int64_t>(pushed_[user], history_);
    if (n_hist == 0) continue;
    // p: the topic histogram of the user's last clicks, over its support
    int32_t topic[kMaxHistory];
    double p[kMaxHistory], count[kMaxHistory];
    int m = 0;
    const int32_t* ring = ring_.data() + user * history_;
    for (int64_t h = 0; h < n_hist; ++h) {
      int s = 0;
      while (s < m && topic[s] != ring[h]) ++s;
      if (s == m) topic[m] = ring[h], p[m] = 0, ++m;
      p[s] += 1.0 / static_cast<double>(n_hist);
    }
    double entropy_term = 0;  // sum_t p_t log p_t
    for (int s = 0; s < m; ++s) entropy_term += p[s] * std::log(p[s]), count[s] = 0;
    // each candidate's place in the support (-1: a topic the user never clicked)
    const int64_t* ids = b.cand_ids.data() + u * b.k;
    const float* sim = b.cand_sim.data() + u * b.k;
    float* score = b.cand_score.data() + u * b.k;
    float rel[kMaxCandidates];
    bool eligible[kMaxCandidates];
    int support[kMaxCandidates], order[kMaxSlate];
    const int n = rerank::NormalizedRelevance(ids, score, k, rel, eligible);
    const int n_sel = std::min({n, b.slate_size, kMaxSlate});
    for (int j = 0; j < k; ++j) {
      support[j] = -1;
      if (!eligible[j]) continue;
      const int32_t t = cat.topic(ids[j]);
      for (int s = 0; s < m; ++s)
        if (topic[s] == t) {
          support[j] = s;  // the support's topics are distinct: at most one match
          break;
        }
    }
    // log q~_t at a slate of size `size` holding c items of topic t (support index s)
    auto log_q = [&](int s, double c, double size) { return std::log((1 - alpha) * c / size + alpha * p[s]); };
    double kl = 0, weighted_rel[kMaxCandidates];
    for (int j = 0; j < k; ++j) weighted_rel[j] = (1 - lambda) * rel[j];
    for (int r = 0; r < n_sel; ++r) {
      // KL(p || q~(S + j)) = sum p log p - [base + p_s (log q~_s(c_s + 1) - log q~_s(c_s))],
      // base = sum_t p_t log q~_t(c_t) at size |S| + 1; the relevance sum of S is common to all j.
      // The KL term depends on j only through its topic's place s in the support (or none):
      // lambda * KL per place, once per pick (penalty[0]: outside the support)
      const double size = r + 1;
      double base = 0, gain[kMaxHistory], penalty[kMaxHistory + 1];
      for (int s = 0; s < m; ++s) {
        const double now = log_q(s, count[s], size);
        base += p[s] * now;
        gain[s] = p[s] * (log_q(s, count[s] + 1, size) - now);
      }
      penalty[0] = lambda * (entropy_term - (base + 0.0));
      for (int s = 0; s < m; ++s) penalty[s + 1] = lambda * (entropy_term - (base + gain[s]));
      int best = -1;
      double best_v = 0;
      for (int j = 0; j < k; ++j) {
        if (!eligible[j]) continue;
        const double v = weighted_rel[j] - penalty[support[j] + 1];
        if (best < 0 || v > best_v || (v == best_v && rerank::TieBreak(ids, sim, j, best))) best = j, best_v = v;
      }
      order[r] = best;
      eligible[best] = false;
      if (support[best] >= 0) count[support[best]] += 1;
      if (r + 1 == n_sel) {
        kl = entropy_term;
        for (int s = 0; s < m; ++s) kl -= p[s] * log_q(s, count[s], size);
      }
    }
    for (int r = 0; r < n_sel; ++r) eligible[order[r]] = true;
    rerank::WriteOrder(order, n_sel, rel, eligible, k, score);
    if (n_sel > 0) kl_[user] = kl;
  }
  // the step's KL values in user order (ascending ids across batches), summed at WriteMetrics
  for (int64_t u = 0; u < b.n; ++u)
    if (const double v = kl_[b.users[u] - first_]; !std::isnan(v)) step_kl_.push_back(v);
}

void Calibrate::OnFeedback(const RecContext& ctx, const SlateBatch& b, const ChoiceBuffer& choices) {
  // every click is visible to the platform: its topic enters the user's ring
#pragma omp parallel for schedule(static) if (b.n > 1024)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u] - first_;  // the user's row
    const int64_t* clicks = choices.Clicks(u);
    for (int c = 0; c < choices.n_clicks[u]; ++c) {
      if (clicks[c] < 0) continue;
      ring_[user * history_ + pushed_[user] % history_] = ctx.catalog.topic(clicks[c]);
      ++pushed_[user];
    }
  }
}

void Calibrate::WriteMetrics(const RecContext& ctx, double* row) {
  // every rank's values, in user order: the sum is one process's, bit for bit
  kl_sum_ = 0;
  for (double v : GatherInRankOrder(ctx.users, step_kl_)) kl_sum_ += v;
  kl_users_ = static_cast<int64_t>(step_kl_.size());
  ctx.users.AllReduceSum(&kl_users_, 1);
  row[0] = kl_users_ > 0 ? kl_sum_ / static_cast<double>(kl_users_) : std::nan("");
  row[1] = static_cast<double>(kl_users_);
}

void Calibrate::SaveState(StateWriter& out) const {
  out.PutVector(ring_), out.PutVector(pushed_), out.PutVector(kl_);
  out.Put(kl_sum_), out.Put(kl_users_);
}

void Calibrate::LoadState(StateReader& in) {
  in.GetVector(ring_, ring_.size(), "calibrate history"), in.GetVector(pushed_, pushed_.size(), "calibrate counts");
  in.GetVector(kl_, kl_.size(), "calibrate KL");
  kl_sum_ = in.Get<double>(), kl_users_ = in.Get<int64_t>();
}

namespace {
const bool kRegistered = InterventionRegistry::Get().Add(
    "calibrate",
    {"Calibrated recommendations (Steck 2018): greedy slate maximising (1-lambda)*sum rel - lambda*KL(p || q~), "
     "p the topic mix of the user's recent clicks, q~ = (1-alpha) q + alpha p the slate's (docs/interventions.md).",
     {DoubleParam("lambda", 0.5, "weight of calibration (KL) against relevance", 0, 1),
      DoubleParam("alpha", 0.01, "mixing of p into q so that KL stays finite", 1e-6, 1),
      IntParam("history", 20, "clicks per user whose topics form p (a ring)", 1, Calibrate::kMaxHistory)}},
    [](const Params& p) {
      return std::make_unique<Calibrate>(p.Double("lambda"), p.Double("alpha"), static_cast<int>(p.Int("history")));
    });
}  // namespace

}  // namespace counterpoint
