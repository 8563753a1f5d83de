#include "recommender/interventions/calibrate.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "recommender/interventions/rerank_util.h"
#include "recommender/recommender.h"

namespace counterpoint {
namespace {

// One user's eligible candidates by place (0: a topic outside the support, s + 1: support
// topic s), each place holding its best `keep` in order of weighted relevance wr (then the
// tie rule), so that a greedy pick needs one look per place rather than one per
// candidate. Within a place every candidate pays the same penalty, so the place's best
// value wr - penalty sits at the head of its list; rounding can make a later entry's
// value equal the head's, and the tie rule then decides, so the entries after the head
// are walked while their values tie. If such a tie runs past the end of a truncated list
// (the largest wr left out, rounded the same way, ties too), the place is scanned in full.
class PlaceLists {
 public:
  PlaceLists(const int64_t* ids, const float* sim, const double* wr, const int* place, const bool* open, int k,
             int n_places, int keep)
      : ids_(ids), sim_(sim), wr_(wr), place_(place), open_(open), k_(k), n_places_(n_places), keep_(keep) {
    thread_local std::vector<int> members;  // place q's list at q * keep
    members.resize(static_cast<size_t>(n_places) * keep);
    members_ = members.data();
    for (int q = 0; q < n_places; ++q) {
      size_[q] = len_[q] = head_[q] = 0;
      left_out_[q] = -INFINITY;
    }
    for (int j = 0; j < k; ++j)
      if (open[j]) Offer(place[j], j);
    for (int q = 0; q < n_places; ++q) remaining_[q] = size_[q];
  }

  /// Open candidates left in place q; Taken(q) when one of them is picked.
  int Remaining(int q) const { return remaining_[q]; }
  void Taken(int q) { --remaining_[q]; }

  /// The best open candidate under (wr - penalty[place], tie rule), or -1 if none is open;
  /// its value in *value. penalty[q] is read only for places with candidates left.
  int Best(const double* penalty, double* value) {
    int best = -1;
    double best_v = 0;
    for (int q = 0; q < n_places_; ++q) {
      if (remaining_[q] == 0) continue;
      double v;
      const int j = PlaceBest(q, penalty[q], &v);
      if (j >= 0 && rerank::Beats(v, j, best_v, best, ids_, sim_)) best = j, best_v = v;
    }
    *value = best_v;
    return best;
  }

 private:
  bool Before(int a, int c) const {  // a ahead of c in a place's list
    return wr_[a] > wr_[c] || (wr_[a] == wr_[c] && rerank::TieBreak(ids_, sim_, a, c));
  }
  // sorted insertion into place q's list of at most `keep`; what falls off raises left_out_
  void Offer(int q, int j) {
    ++size_[q];
    int* list = members_ + q * keep_;
    int& n = len_[q];
    if (n == keep_) {
      if (!Before(j, list[n - 1])) {
        left_out_[q] = std::max(left_out_[q], wr_[j]);
        return;
      }
      left_out_[q] = std::max(left_out_[q], wr_[list[--n]]);
    }
    int i = n++;
    for (; i > 0 && Before(j, list[i - 1]); --i) list[i] = list[i - 1];
    list[i] = j;
  }
  int PlaceBest(int q, double pen, double* value) {
    const int* list = members_ + q * keep_;
    int h = head_[q];
    while (h < len_[q] && !open_[list[h]]) ++h;
    head_[q] = h;
    if (h == len_[q]) return len_[q] < size_[q] ? Scan(q, pen, value) : -1;
    int best = list[h];
    const double top = wr_[best] - pen;
    int i = h + 1;
    for (; i < len_[q]; ++i) {
      const int j = list[i];
      if (!open_[j]) continue;
      if (wr_[j] - pen != top) break;
      if (rerank::TieBreak(ids_, sim_, j, best)) best = j;
    }
    if (i == len_[q] && len_[q] < size_[q] && left_out_[q] - pen == top) return Scan(q, pen, value);
    *value = top;
    return best;
  }
  int Scan(int q, double pen, double* value) {  // every open candidate of place q
    int best = -1;
    double best_v = 0;
    for (int j = 0; j < k_; ++j) {
      if (!open_[j] || place_[j] != q) continue;
      const double v = wr_[j] - pen;
      if (rerank::Beats(v, j, best_v, best, ids_, sim_)) best = j, best_v = v;
    }
    *value = best_v;
    return best;
  }

  const int64_t* ids_;
  const float* sim_;
  const double* wr_;
  const int* place_;
  const bool* open_;
  int k_, n_places_, keep_;
  int* members_;
  int size_[Calibrate::kMaxHistory + 1], len_[Calibrate::kMaxHistory + 1], head_[Calibrate::kMaxHistory + 1],
      remaining_[Calibrate::kMaxHistory + 1];
  double left_out_[Calibrate::kMaxHistory + 1];
};

// this thread's table from topic to place, all 0 (outside the support) between uses
std::vector<int>& PlaceOfTopic(int32_t n_topics) {
  thread_local std::vector<int> place_of;
  if (place_of.size() < static_cast<size_t>(n_topics)) place_of.resize(n_topics, 0);
  return place_of;
}

}  // namespace

void Calibrate::Init(const InterventionContext& ctx) {
  // per user held (all of them, or this rank's block when sharded)
  first_ = ctx.first_user;
  ring_.assign(static_cast<size_t>(ctx.local_users) * history_, -1);
  pushed_.assign(ctx.local_users, 0);
  kl_.assign(ctx.local_users, std::nan(""));
}

void Calibrate::BeginStep(const RecContext&) { step_kl_.clear(); }

void Calibrate::OnScores(const RecContext& ctx, SlateBatch& b) {
  const PlatformView& cat = ctx.catalog;
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
    // each candidate's place: s + 1 for support topic s, 0 for a topic the user never clicked
    const int64_t* ids = b.cand_ids.data() + u * b.k;
    const float* sim = b.cand_sim.data() + u * b.k;
    float* score = b.cand_score.data() + u * b.k;
    float rel[kMaxCandidates];
    bool eligible[kMaxCandidates];
    int place[kMaxCandidates], order[kMaxSlate];
    const int n = rerank::NormalizedRelevance(ids, score, k, rel, eligible);
    const int n_sel = std::min({n, b.slate_size, kMaxSlate});
    std::vector<int>& place_of = PlaceOfTopic(cat.n_topics());  // all 0 between users
    for (int s = 0; s < m; ++s) place_of[topic[s]] = s + 1;
    for (int j = 0; j < k; ++j) place[j] = eligible[j] ? place_of[cat.topic(ids[j])] : 0;
    for (int s = 0; s < m; ++s) place_of[topic[s]] = 0;
    // log q~_t at a slate of size `size` holding c items of topic t (support index s)
    auto log_q = [&](int s, double c, double size) { return std::log((1 - alpha) * c / size + alpha * p[s]); };
    // at c = 0 the size drops out exactly ((1 - alpha) * 0 / size = 0): one logarithm per topic
    double log_empty[kMaxHistory];
    for (int s = 0; s < m; ++s) log_empty[s] = log_q(s, 0, 1);
    double kl = 0, weighted_rel[kMaxCandidates];
    for (int j = 0; j < k; ++j) weighted_rel[j] = (1 - lambda) * rel[j];
    PlaceLists lists(ids, sim, weighted_rel, place, eligible, k, m + 1, std::max(n_sel, 1));
    for (int r = 0; r < n_sel; ++r) {
      // KL(p || q~(S + j)) = sum p log p - [base + p_s (log q~_s(c_s + 1) - log q~_s(c_s))],
      // base = sum_t p_t log q~_t(c_t) at size |S| + 1; the relevance sum of S is common to all j.
      // The KL term depends on j only through its topic's place s in the support (or none):
      // lambda * KL per place, once per pick (penalty[0]: outside the support)
      // (a place without eligible candidates left needs no penalty)
      const double size = r + 1;
      double base = 0, now[kMaxHistory], penalty[kMaxHistory + 1];
      for (int s = 0; s < m; ++s) {
        now[s] = count[s] == 0 ? log_empty[s] : log_q(s, count[s], size);
        base += p[s] * now[s];
      }
      penalty[0] = lambda * (entropy_term - (base + 0.0));
      for (int s = 0; s < m; ++s)
        if (lists.Remaining(s + 1) > 0)
          penalty[s + 1] = lambda * (entropy_term - (base + p[s] * (log_q(s, count[s] + 1, size) - now[s])));
      // the eligible candidate with the largest weighted_rel[j] - penalty[place[j]] (tie rule)
      double best_v;
      const int best = lists.Best(penalty, &best_v);
      order[r] = best;
      eligible[best] = false;
      lists.Taken(place[best]);
      if (place[best] > 0) count[place[best] - 1] += 1;
      if (r + 1 == n_sel) {
        kl = entropy_term;
        for (int s = 0; s < m; ++s) kl -= p[s] * (count[s] == 0 ? log_empty[s] : log_q(s, count[s], size));
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

void Calibrate::WriteMetrics(const RecContext& ctx, const Catalog&, double* row) {
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
      IntParam("history", 20, "clicks per user whose topics form p (a ring)", 1, Calibrate::kMaxHistory)},
     {LevelMetric("cal_kl", "nats",
                  "mean over the step's users with a history of KL(p || q~) of the slate chosen for them"),
      LevelMetric("cal_users", "users", "users with a history whose slate was calibrated this step")}},
    [](const Params& p) {
      return std::make_unique<Calibrate>(p.Double("lambda"), p.Double("alpha"), static_cast<int>(p.Int("history")));
    });
}  // namespace

}  // namespace counterpoint
