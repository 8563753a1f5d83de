#include "recommender/interventions/demote_harmful.h"

#include <cmath>

namespace counterpoint {

void DemoteHarmful::Init(const InterventionContext& ctx) { demoted_items_.Reset(ctx.catalog.size()); }

void DemoteHarmful::BeginStep(const RecContext&) { candidates_ = demoted_ = demoted_harmful_ = demoted_news_ = 0; }

void DemoteHarmful::OnScores(const RecContext& ctx, SlateBatch& b) {
  const PlatformView& cat = ctx.catalog;
  int64_t candidates = 0, demoted = 0;
  // integer counts: the sums do not depend on the thread count
#pragma omp parallel for schedule(static) if (b.n > 512) reduction(+ : candidates, demoted)
  for (int64_t u = 0; u < b.n; ++u) {
    for (int j = 0; j < b.k; ++j) {
      const int64_t item = b.cand_ids[u * b.k + j];
      if (item < 0) continue;
      ++candidates;
      // the platform acts on the classifier's score
      const double penalty = Penalty(cat.harm_score(item));
      if (penalty <= 0) continue;
      b.cand_score[u * b.k + j] -= static_cast<float>(penalty);
      ++demoted;
      demoted_items_.Add(item);
    }
  }
  candidates_ += candidates;
  demoted_ += demoted;
}

void DemoteHarmful::WriteMetrics(const RecContext& ctx, const Catalog& truth, double* row) {
  // the collateral, measured on the ground truth: what the demoted items were
  demoted_harmful_ = demoted_items_.Count([&](int64_t i) { return IsHarmful(truth.label(i)); });
  demoted_news_ = demoted_items_.Count([&](int64_t i) { return truth.label(i) == Label::kNewsReporting; });
  demoted_items_.Clear();
  // every rank's counts of this step
  SumOverRanks(ctx.users, {{&candidates_, 1}, {&demoted_, 1}, {&demoted_harmful_, 1}, {&demoted_news_, 1}});
  const double nan = std::nan("");
  row[0] = candidates_ > 0 ? static_cast<double>(demoted_) / candidates_ : nan;
  row[1] = demoted_ > 0 ? static_cast<double>(demoted_harmful_) / demoted_ : nan;
  row[2] = demoted_ > 0 ? static_cast<double>(demoted_news_) / demoted_ : nan;
}

void DemoteHarmful::SaveState(StateWriter& out) const {
  for (int64_t x : {candidates_, demoted_, demoted_harmful_, demoted_news_}) out.Put(x);
}

void DemoteHarmful::LoadState(StateReader& in) {
  for (int64_t* x : {&candidates_, &demoted_, &demoted_harmful_, &demoted_news_}) *x = in.Get<int64_t>();
}

namespace {
const bool kRegistered = InterventionRegistry::Get().Add(
    "demote_harmful",
    {"Demotion by the harm classifier: score -= weight * (h - threshold) / (1 - threshold) for h above the "
     "threshold (docs/interventions.md).",
     {DoubleParam("threshold", 0.5, "tau: harm scores above it are demoted", 0, 0.99),
      DoubleParam("weight", 1.0, "penalty at h = 1, in the ranker's score units", 0, 1e6)},
     {ShareMetric("dh_demoted_share", "share of candidates", "candidates demoted this step"),
      ShareMetric("dh_demoted_harmful_share", "share of the demoted", "harmful items among the demoted (ground truth)"),
      ShareMetric("dh_demoted_news_share", "share of the demoted",
                  "news reporting among the demoted (ground truth): the collateral")}},
    [](const Params& p) { return std::make_unique<DemoteHarmful>(p.Double("threshold"), p.Double("weight")); });
}  // namespace

}  // namespace counterpoint
