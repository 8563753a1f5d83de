// Retrievers: FAISS top-k on the system's estimate, and a uniform random sample.
#include <algorithm>
#include <limits>

#include "core/rng.h"
#include "recommender/plugins.h"

namespace counterpoint {
namespace {

/// Top-k by inner product with the estimate, through the VectorIndex (one batched search).
class FaissRetriever : public Retriever {
 public:
  void Retrieve(const RecContext& ctx, SlateBatch& b) override {
    ctx.index.Search(b.queries.data(), b.n, b.k, b.cand_sim.data(), b.cand_ids.data(), &ctx.items.available);
  }
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
};

/// k distinct available items drawn uniformly (a non-personalised baseline); the
/// similarity to the estimate is still computed so any ranker can use it.
class RandomRetriever : public Retriever {
 public:
  // stateless: nothing to checkpoint
  void SaveState(StateWriter&) const override {}
  void LoadState(StateReader&) override {}
  void Retrieve(const RecContext& ctx, SlateBatch& b) override {
    const int64_t n_items = ctx.catalog.size(), d = ctx.catalog.dim();
    const int64_t avail = ctx.items.available.available_count();
#pragma omp parallel for schedule(static) if (b.n > 256)
    for (int64_t u = 0; u < b.n; ++u) {
      CounterRng rng(ctx.seed, b.users[u], ctx.step, Purpose::kRetrieverSample);
      int64_t* ids = b.Candidates(u);
      int got = 0;
      // rejection sampling of distinct available items, bounded in draws
      for (uint64_t draw = 0; got < b.k && got < avail && draw < 64ull * b.k + 1024; ++draw) {
        const int64_t item = static_cast<int64_t>(rng.Below(draw, n_items));
        if (!ctx.items.available.IsAvailable(item) || std::find(ids, ids + got, item) != ids + got) continue;
        ids[got++] = item;
      }
      for (int j = got; j < b.k; ++j) ids[j] = -1;
      const float* q = b.queries.data() + u * d;
      for (int j = 0; j < b.k; ++j) {
        float s = -std::numeric_limits<float>::infinity();
        if (ids[j] >= 0) {
          const float* x = ctx.catalog.Embedding(ids[j]);
          s = 0;
          for (int64_t t = 0; t < d; ++t) s += q[t] * x[t];
        }
        b.cand_sim[u * b.k + j] = s;
      }
    }
  }
};

const bool kFaiss = RetrieverRegistry::Get().Add(
    "faiss", {"Top-k items by inner product with the system's estimate of the user (FAISS).", {}},
    [](const Params&) { return std::make_unique<FaissRetriever>(); });

const bool kRandom = RetrieverRegistry::Get().Add(
    "random", {"k distinct available items drawn uniformly at random (non-personalised baseline).", {}},
    [](const Params&) { return std::make_unique<RandomRetriever>(); });

}  // namespace
}  // namespace counterpoint
