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
#pragma omp parallel for schedule(dynamic, 64) if (b.n > 256)  // per-user cost varies with the heap
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* ids = b.cand_ids.data() + u * b.k;
    const float* sim = b.cand_sim.data() + u * b.k;
    float* score = b.cand_score.data() + u * b.k;
    float rel[kMaxCandidates], max_sim[kMaxCandidates];
    bool eligible[kMaxCandidates], open[kMaxCandidates];
    int order[kMaxSlate], seen[kMaxCandidates];
    // the candidates' embeddings are scattered over the catalog: ask for them all now
    for (int j = 0; j < k; ++j)
      if (ids[j] >= 0)
        for (int64_t c = 0; c < d; c += 16) __builtin_prefetch(cat.Embedding(ids[j]) + c);
    const int n = rerank::NormalizedRelevance(ids, score, k, rel, eligible);
    const int n_sel = std::min({n, b.slate_size, kMaxSlate});
    for (int j = 0; j < k; ++j) open[j] = eligible[j], max_sim[j] = 0.f;
    // the open candidate with the largest value under the tie rule
    auto argmax = [&](const float* value) {
      int best = -1;
      for (int j = 0; j < k; ++j)
        if (open[j] &&
            (best < 0 || value[j] > value[best] || (value[j] == value[best] && rerank::TieBreak(ids, sim, j, best))))
          best = j;
      return best;
    };
    // pick 1: relevance alone (the max term is 0 while S is empty); then every open
    // candidate's similarity to it
    float value[kMaxCandidates];
    for (int j = 0; j < k; ++j) value[j] = lambda * rel[j] - (1.f - lambda) * 0.f;
    if (n_sel > 0) {
      order[0] = argmax(value);
      open[order[0]] = false;
      const float* x0 = cat.Embedding(ids[order[0]]);
      for (int j = 0; j < k; ++j) {
        if (!open[j]) continue;
        max_sim[j] = dot_kernel(x0, cat.Embedding(ids[j]), d);
        value[j] = lambda * rel[j] - (1.f - lambda) * max_sim[j];
        seen[j] = 1;
      }
    }
    // picks 2..: lazy greedy. From pick 1 on, value(j) = lambda rel_j - (1 - lambda) max over S
    // only falls as S grows, so a value computed against the first seen[j] picks bounds it
    // from above: the candidate with the largest bound (a heap under the tie rule) is brought
    // up to date with the picks it has not seen and is taken once its bound is exact. This
    // takes exactly the eager loop's candidate, with the same bits (a max does not depend on
    // the order it is taken in), for far fewer inner products.
    auto worse = [&](int a, int c) {  // the heap's order: a below c
      if (value[a] != value[c]) return value[a] < value[c];
      return rerank::TieBreak(ids, sim, c, a);
    };
    int heap[kMaxCandidates], n_heap = 0;
    for (int j = 0; j < k; ++j)
      if (open[j]) heap[n_heap++] = j;
    std::make_heap(heap, heap + n_heap, worse);
    for (int r = 1; r < n_sel; ++r) {
      for (;;) {
        const int best = heap[0];
        if (seen[best] == r) break;
        std::pop_heap(heap, heap + n_heap, worse);
        const float* xb = cat.Embedding(ids[best]);
        for (int m = seen[best]; m < r; ++m)
          max_sim[best] = std::max(max_sim[best], dot_kernel(cat.Embedding(ids[order[m]]), xb, d));
        seen[best] = r;
        value[best] = lambda * rel[best] - (1.f - lambda) * max_sim[best];
        std::push_heap(heap, heap + n_heap, worse);
      }
      order[r] = heap[0];
      std::pop_heap(heap, heap + n_heap, worse);
      --n_heap;
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
