// Data shared by the recommender's stages for one batch of users in one step.
#pragma once

#include <cstdint>
#include <vector>

#include "embeddings/catalog.h"
#include "embeddings/vector_index.h"

namespace counterpoint {

/// What the recommender knows about items and may change during a run (per arm).
struct ItemState {
  explicit ItemState(int64_t n = 0) : available(n), clicks(n, 0), impressions(n, 0) {}
  ItemFilter available;              ///< uploaded and not removed
  std::vector<int64_t> clicks;       ///< cumulative clicks per item
  std::vector<int64_t> impressions;  ///< cumulative impressions per item
  int64_t max_clicks = 0;            ///< max over items of clicks (refreshed each step)
};

/// Read-only context every plug-in receives.
struct RecContext {
  const Catalog& catalog;
  const VectorIndex& index;
  const ItemState& items;
  int64_t step = 0;
  uint64_t seed = 0;
};

/// Per-step buffers for a batch of users, allocated once at the largest batch size.
/// All matrices are row-major with one row per user of the batch.
struct SlateBatch {
  int64_t n = 0;  ///< users in the batch
  int64_t dim = 0;
  int k = 0;                       ///< candidates per user
  int slate_size = 0;              ///< items per slate
  const int32_t* users = nullptr;  ///< global user ids (random streams are keyed by them)
  std::vector<float> queries;      ///< n x dim: the system's estimate of each user's interest
  std::vector<int64_t> cand_ids;   ///< n x k, -1 = empty slot
  std::vector<float> cand_sim;     ///< n x k: inner product of query and candidate
  std::vector<float> cand_score;   ///< n x k: ranker score (higher is shown first)
  std::vector<int64_t> slate;      ///< n x slate_size, -1 = empty slot
  std::vector<float> slate_score;  ///< n x slate_size

  void Reserve(int64_t capacity, int64_t d, int k_, int slate_size_) {
    dim = d;
    k = k_;
    slate_size = slate_size_;
    queries.resize(capacity * d);
    cand_ids.resize(capacity * k_);
    cand_sim.resize(capacity * k_);
    cand_score.resize(capacity * k_);
    slate.resize(capacity * slate_size_);
    slate_score.resize(capacity * slate_size_);
  }
  int64_t* Candidates(int64_t u) { return cand_ids.data() + u * k; }
  int64_t* Slate(int64_t u) { return slate.data() + u * slate_size; }
  const int64_t* Slate(int64_t u) const { return slate.data() + u * slate_size; }
};

}  // namespace counterpoint
