#include "recommender/interventions/diversify_mmr.h"

#include <algorithm>

#include "embeddings/simd_kernels.h"
#include "recommender/interventions/rerank_util.h"
#include "recommender/recommender.h"

namespace counterpoint {
void DiversifyMmr::OnScores(const RecContext& ctx, SlateBatch& b) {
  const PlatformView& cat = ctx.catalog;
  const int64_t d = cat.dim();
  const int k = std::min(b.k, kMaxCandidates);
  const float lambda = static_cast<float>(lambda_);
  // the SIMD inner product the search uses (embeddings/simd_kernels.h): a fixed order per
  // pair, so a similarity never depends on the batch or the thread count
  const DotKernels& kernels = ActiveKernels();
#pragma omp parallel for schedule(dynamic, 64) if (b.n > 256)  // per-user cost varies with the lazy updates
  for (int64_t u = 0; u < b.n; ++u) {
    const int64_t* ids = b.cand_ids.data() + u * b.k;
    const float* sim = b.cand_sim.data() + u * b.k;
    float* score = b.cand_score.data() + u * b.k;
    float rel[kMaxCandidates], max_sim[kMaxCandidates];
    bool eligible[kMaxCandidates], open[kMaxCandidates];
    int order[kMaxSlate], seen[kMaxCandidates];
    const float* picked[kMaxSlate];  // the picks' embeddings, in order
    const float* rows[kMaxCandidates];
    float dots[kMaxCandidates];
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
        if (open[j] && rerank::Beats(value[j], j, best < 0 ? 0.f : value[best], best, ids, sim)) best = j;
      return best;
    };
    // pick 1: relevance alone (the max term is 0 while S is empty); then every open
    // candidate's similarity to it (below)
    float value[kMaxCandidates];
    for (int j = 0; j < k; ++j) value[j] = lambda * rel[j] - (1.f - lambda) * 0.f;
    if (n_sel > 0) {
      order[0] = argmax(value);
      open[order[0]] = false;
      picked[0] = cat.Embedding(ids[order[0]]);
    }
    // the open candidates in candidate order (by_tie, sorted below) and their rows
    int by_tie[kMaxCandidates], place[kMaxCandidates], n_open = 0;
    bool sorted = true;
    for (int j = 0; j < k; ++j)
      if (open[j]) {
        if (n_open > 0 && !rerank::TieBreak(ids, sim, by_tie[n_open - 1], j)) sorted = false;
        rows[n_open] = cat.Embedding(ids[j]);
        by_tie[n_open++] = j;
      }
    if (n_sel > 0) {
      kernels.gather(picked[0], rows, n_open, d, dots);
      for (int o = 0; o < n_open; ++o) {
        const int j = by_tie[o];
        max_sim[j] = dots[o];
        value[j] = lambda * rel[j] - (1.f - lambda) * max_sim[j];
        seen[j] = 1;
      }
    }
    // picks 2..: lazy greedy. From pick 1 on, value(j) = lambda rel_j - (1 - lambda) max over S
    // only falls as S grows, so a value computed against the first seen[j] picks bounds it
    // from above: the candidate with the largest bound (under the tie rule) is brought
    // up to date with the picks it has not seen and is taken once its bound is exact. This
    // takes exactly the eager loop's candidate, with the same bits (a max does not depend on
    // the order it is taken in), for far fewer inner products.
    // Bounds are kept as 64-bit keys that order as (value, tie rule): OrderedBits of the
    // value, then the candidate's place under the tie rule, best last. cand_sim usually
    // arrives sorted under the tie rule (FAISS returns best first); otherwise the places
    // are sorted.
    if (!sorted) std::sort(by_tie, by_tie + n_open, [&](int a, int c) { return rerank::TieBreak(ids, sim, a, c); });
    for (int p = 0; p < n_open; ++p) place[by_tie[p]] = p;
    auto key = [&](int j) {
      return static_cast<uint64_t>(OrderedBits(value[j])) << 32 | static_cast<uint32_t>(kMaxCandidates - place[j]);
    };
    auto candidate = [&](uint64_t h) { return by_tie[kMaxCandidates - static_cast<int>(h & 0xffffffffu)]; };
    // a winner tree over the places: leaf L + p holds place p's key (0 once taken, below
    // every key), each inner node the larger of its children, the root the best bound;
    // changing a leaf recomputes its path (compares without branches, unlike a binary heap's)
    int leaves = 1;
    while (leaves < n_open) leaves *= 2;
    uint64_t tree[2 * kMaxCandidates];
    for (int p = 0; p < leaves; ++p) tree[leaves + p] = p < n_open ? key(by_tie[p]) : 0;
    for (int i = leaves - 1; i >= 1; --i) tree[i] = std::max(tree[2 * i], tree[2 * i + 1]);
    auto set_leaf = [&](int p, uint64_t v) {  // the path's maxima, carried up in a register
      int i = leaves + p;
      tree[i] = v;
      for (; i > 1; i /= 2) tree[i / 2] = v = std::max(v, tree[i ^ 1]);
    };
    for (int r = 1; r < n_sel; ++r) {
      for (;;) {
        const int best = candidate(tree[1]);
        if (seen[best] == r) break;
        kernels.gather(cat.Embedding(ids[best]), picked + seen[best], r - seen[best], d, dots);
        for (int m = 0; m < r - seen[best]; ++m) max_sim[best] = std::max(max_sim[best], dots[m]);
        seen[best] = r;
        value[best] = lambda * rel[best] - (1.f - lambda) * max_sim[best];
        set_leaf(place[best], key(best));
      }
      order[r] = candidate(tree[1]);
      picked[r] = cat.Embedding(ids[order[r]]);
      set_leaf(place[order[r]], 0);
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
