#include "recommender/interventions/not_interested.h"

#include <algorithm>
#include <cmath>

#include "embeddings/simd_kernels.h"
#include "recommender/recommender.h"

namespace counterpoint {

void NotInterested::Init(const InterventionContext& ctx) {
  purpose_ = ctx.purpose;
  // per user held (all of them, or this rank's block when sharded)
  first_ = ctx.first_user;
  dismissed_.assign(static_cast<size_t>(ctx.local_users) * memory_, -1);
  when_.assign(static_cast<size_t>(ctx.local_users) * memory_, 0);
  next_.assign(ctx.local_users, 0);
  dismissed_items_.Reset(ctx.catalog.size());
}

void NotInterested::BeginStep(const RecContext&) { dismissals_ = dismissals_harmful_ = suppressed_ = 0; }

void NotInterested::OnScores(const RecContext& ctx, SlateBatch& b) {
  const PlatformView& cat = ctx.catalog;
  const int64_t d = cat.dim();
  const float sigma = static_cast<float>(similarity_);
  // the SIMD inner product of the search and the other re-rankers (embeddings/simd_kernels.h)
  const DotKernels& kernels = ActiveKernels();
  int64_t suppressed = 0;
#pragma omp parallel for schedule(static) if (b.n > 512) reduction(+ : suppressed)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u] - first_;  // the user's row
    // the user's dismissals still in force: made at steps t - suppress_steps .. t - 1
    const float* live[kMaxMemory];
    int n_live = 0;
    for (int r = 0; r < memory_; ++r) {
      const int64_t item = dismissed_[user * memory_ + r];
      const int64_t age = ctx.step - when_[user * memory_ + r];
      if (item >= 0 && age >= 1 && age <= suppress_steps_) live[n_live++] = cat.Embedding(item);
    }
    if (n_live == 0) continue;
    // the candidates still scored, then each live dismissal against all of them at once
    const float* rows[kMaxCandidates];
    int at[kMaxCandidates], n = 0;
    const int k = std::min(b.k, kMaxCandidates);
    for (int j = 0; j < k; ++j) {
      const int64_t item = b.cand_ids[u * b.k + j];
      if (item >= 0 && b.cand_score[u * b.k + j] != -INFINITY) at[n] = j, rows[n++] = cat.Embedding(item);
    }
    bool hit[kMaxCandidates];
    float dots[kMaxCandidates];
    std::fill_n(hit, n, false);
    for (int r = 0; r < n_live; ++r) {
      kernels.gather(live[r], rows, n, d, dots);
      for (int o = 0; o < n; ++o) hit[o] |= dots[o] >= sigma;
    }
    for (int o = 0; o < n; ++o)
      if (hit[o]) b.cand_score[u * b.k + at[o]] = -INFINITY, ++suppressed;
  }
  suppressed_ += suppressed;
}

void NotInterested::OnSlate(const RecContext&, SlateBatch& b) { b.dismiss_probability = probability_; }

void NotInterested::OnFeedback(const RecContext& ctx, const SlateBatch& b, const ChoiceBuffer& choices) {
  int64_t dismissals = 0;
#pragma omp parallel for schedule(static) if (b.n > 1024) reduction(+ : dismissals)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t user = b.users[u] - first_;  // the user's row
    const int64_t* slate = b.Slate(u);
    const uint8_t* dismissed = choices.Dismissed(u);
    // the platform records each dismissal (oldest forgotten first)
    for (int j = 0; j < b.slate_size; ++j) {
      if (!dismissed[j] || slate[j] < 0) continue;
      const int64_t r = user * memory_ + next_[user];
      dismissed_[r] = slate[j];
      when_[r] = ctx.step;
      next_[user] = (next_[user] + 1) % memory_;
      ++dismissals;
      dismissed_items_.Add(slate[j]);
    }
  }
  dismissals_ += dismissals;
}

void NotInterested::WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) {
  // measurement only: how many of the dismissed items were harmful
  dismissals_harmful_ = dismissed_items_.Count([&](int64_t i) { return IsHarmful(truth.label(i)); });
  dismissed_items_.Clear();
  // every rank's counts of this step
  SumOverRanks(ctx.users, {{&dismissals_, 1}, {&dismissals_harmful_, 1}, {&suppressed_, 1}});
  row[0] = static_cast<double>(dismissals_);
  row[1] = static_cast<double>(dismissals_harmful_);
  row[2] = dismissals_ > 0 ? static_cast<double>(dismissals_harmful_) / static_cast<double>(dismissals_) : std::nan("");
  row[3] = static_cast<double>(suppressed_);
  total_dismissals_ += dismissals_, total_harmful_ += dismissals_harmful_;
  row[4] = static_cast<double>(total_dismissals_);
  row[5] = static_cast<double>(total_harmful_);
  row[6] = total_dismissals_ > 0 ? static_cast<double>(total_harmful_) / static_cast<double>(total_dismissals_)
                                 : std::nan("");
}

void NotInterested::SaveState(StateWriter& out) const {
  out.PutVector(dismissed_), out.PutVector(when_), out.PutVector(next_);
  out.Put(dismissals_), out.Put(dismissals_harmful_), out.Put(suppressed_);
  out.Put(total_dismissals_), out.Put(total_harmful_);
}

void NotInterested::LoadState(StateReader& in) {
  in.GetVector(dismissed_, dismissed_.size(), "not_interested dismissals");
  in.GetVector(when_, when_.size(), "not_interested dismissal steps");
  in.GetVector(next_, next_.size(), "not_interested ring positions");
  dismissals_ = in.Get<int64_t>(), dismissals_harmful_ = in.Get<int64_t>(), suppressed_ = in.Get<int64_t>();
  total_dismissals_ = in.Get<int64_t>(), total_harmful_ = in.Get<int64_t>();
}

namespace {
const bool kRegistered = InterventionRegistry::Get().Add(
    "not_interested",
    {"A \"not interested\" control: users dismiss items they examined and found unwanted (the user model's rule); "
     "the platform suppresses, for that user, candidates similar to a dismissed item for a number of steps "
     "(docs/interventions.md).",
     {DoubleParam("probability", 0.3,
                  "probability that a user who found an examined item unwanted uses the control (0 = not offered)", 0,
                  1),
      DoubleParam("similarity", 0.9, "sigma: candidates with cosine >= sigma to a dismissed item are suppressed", -1,
                  1),
      IntParam("suppress_steps", 10, "steps a dismissal suppresses similar items (from the next step on)", 1, 1000000),
      IntParam("memory", 8, "dismissals remembered per user (a ring; the oldest is forgotten)", 1,
               NotInterested::kMaxMemory)},
     {LevelMetric("nim_dismissals", "dismissals", "items users dismissed this step"),
      LevelMetric("nim_dismissals_harmful", "dismissals", "of those, harmful items (ground truth)"),
      ShareMetric("nim_dismissed_harmful_share", "share of dismissals",
                  "harmful items among the step's dismissals: the control's precision as a harm filter"),
      LevelMetric("nim_suppressed_candidates", "candidates", "candidates suppressed this step"),
      LevelMetric("nim_dismissals_total", "dismissals", "dismissals since the start"),
      LevelMetric("nim_dismissals_harmful_total", "dismissals", "harmful items dismissed since the start"),
      ShareMetric("nim_dismissed_harmful_share_total", "share of dismissals",
                  "harmful items among the dismissals since the start")}},
    [](const Params& p) {
      return std::make_unique<NotInterested>(p.Double("probability"), p.Double("similarity"),
                                             static_cast<int>(p.Int("suppress_steps")),
                                             static_cast<int>(p.Int("memory")));
    });
}  // namespace

}  // namespace counterpoint
