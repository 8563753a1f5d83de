// Plug-in interfaces of the recommender. Each is called once per batch of users,
// never once per user, on caller-owned buffers (in the manner of FAISS).
#pragma once

#include <memory>
#include <string>

#include "core/registry.h"
#include "recommender/batch.h"
#include "recommender/intervention.h"

namespace counterpoint {

/// Fills batch.cand_ids / cand_sim (n x k) from batch.queries.
class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual void Retrieve(const RecContext& ctx, SlateBatch& batch) = 0;
};

/// Fills batch.cand_score (n x k) for the candidates; higher is shown first.
class Ranker {
 public:
  virtual ~Ranker() = default;
  /// Once per step before any batch (e.g. to read global popularity).
  virtual void BeginStep(const RecContext& ctx) {}
  virtual void Score(const RecContext& ctx, SlateBatch& batch) = 0;
  /// The batch's final slates, as shown (after slate-stage interventions), in user
  /// order; a ranker that keeps its own statistics of impressions reads them here.
  virtual void ObserveSlates(const RecContext& ctx, const SlateBatch& batch) {}
};

using RetrieverRegistry = Registry<std::unique_ptr<Retriever>>;
using RankerRegistry = Registry<std::unique_ptr<Ranker>>;

}  // namespace counterpoint
