#include "recommender/interventions/diversify_mmr.h"

#include <algorithm>

#include "embeddings/simd_kernels.h"
#include "recommender/interventions/rerank_util.h"
#include "recommender/recommender.h"

namespace counterpoint {
void DiversifyMmr::OnScores(const RecContext& ctx, SlateBatch& b) {
  const Catalog& cat = ctx.catalog;
  const int64_t d = cat.dim();
  const int k = std::min(b.k, kMaxCandidates);
  const float lambda = static_cast<float>(lambda_);
  // the SIMD inner product the search uses (embeddings/simd_kernels.h): a fixed order per
  // pair, so a similarity never depends on the batch or the thread count
  const auto dot_kernel = ActiveKernels().dot;
#pragma omp parallel for schedule(static) if (b.n > 256)
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* ids = b.cand_ids.data() + u * b.k;
    const float* sim = b.cand_sim.data() + u * b.k;
    float* score = b.cand_score.data() + u * b.k;
    float rel[kMaxCandidates], max_sim[kMaxCandidates];
    bool eligible[kMaxCandidates], open[kMaxCandidates];
    int order[kMaxSlate];
    const int n = rerank::NormalizedRelevance(ids, score, k, rel, eligible);
    const int n_sel = std::min({n, b.slate_size, kMaxSlate});
    for (int j = 0; j < k; ++j) open[j] = eligible[j], max_sim[j] = 0.f;
    for (int r = 0; r < n_sel; ++r) {
      // the open candidate with the largest marginal relevance (the max term is 0 while S is empty)
      int best = -1;
      float best_v = 0.f;
      for (int j = 0; j < k; ++j) {
        if (!open[j]) continue;
        const float v = lambda * rel[j] - (1.f - lambda) * (r == 0 ? 0.f : max_sim[j]);
        if (best < 0 || v > best_v || (v == best_v && rerank::TieBreak(ids, sim, j, best))) best = j, best_v = v;
      }
      order[r] = best;
      open[best] = false;
      // the picked item's similarity to every open candidate updates their max over S
      const float* xb = cat.Embedding(ids[best]);
      for (int j = 0; j < k; ++j) {
        if (!open[j]) continue;
        const float* xj = cat.Embedding(ids[j]);
        const float dot = dot_kernel(xb, xj, d);
        max_sim[j] = r == 0 ? dot : std::max(max_sim[j], dot);
      }
    }
    rerank::WriteOrder(order, n_sel, rel, eligible, k, score);
  }
}

namespace {
const bool kRegistered = InterventionRegistry::Get().Add(
    "diversify_mmr",
    {"Maximal marginal relevance (Carbonell & Goldstein 1998): greedy slate maximising lambda*rel - "
     "(1-lambda)*max similarity to the items already picked (docs/interventions.md).",
     {DoubleParam("lambda", 0.5, "weight of relevance against redundancy (1 = the ranker's order)", 0, 1)}},
    [](const Params& p) { return std::make_unique<DiversifyMmr>(p.Double("lambda")); });
}  // namespace

}  // namespace counterpoint
